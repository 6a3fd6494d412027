package dev.estargz.snapshotter.remote;

import java.nio.file.Path;
import java.util.Map;

/** The mounter used when no lazy filesystem is wired in: every layer falls back to a normal pull. */
public final class NoRemoteLayers implements RemoteLayerMounter {

    @Override
    public MountOutcome mount(Path mountpoint, Map<String, String> labels) {
        return new MountOutcome.NotMounted(FallbackReason.NOT_CONFIGURED, "no remote layer filesystem is configured");
    }

    @Override
    public void check(Path mountpoint, Map<String, String> labels) throws LayerUnavailableException {
        // A remote snapshot left by an earlier run with a lazy filesystem cannot be served without one.
        throw new LayerUnavailableException(mountpoint, "no remote layer filesystem is configured", null);
    }

    @Override
    public MountOutcome restore(Path mountpoint, Map<String, String> labels) {
        return mount(mountpoint, labels);
    }

    @Override
    public void unmount(Path mountpoint) {
        // nothing is ever mounted by this mounter
    }
}
