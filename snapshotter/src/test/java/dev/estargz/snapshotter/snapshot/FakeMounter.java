package dev.estargz.snapshotter.snapshot;

import dev.estargz.snapshotter.remote.FallbackReason;
import dev.estargz.snapshotter.remote.LayerUnavailableException;
import dev.estargz.snapshotter.remote.MountOutcome;
import dev.estargz.snapshotter.remote.RemoteLayerMounter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/** A scripted mounter recording its calls; mounting "succeeds" by leaving the directory as it is. */
final class FakeMounter implements RemoteLayerMounter {
    volatile boolean mountSucceeds = true;
    volatile boolean available = true;
    volatile boolean restoreSucceeds = true;
    final List<Path> mounted = new CopyOnWriteArrayList<>();
    final List<Path> checked = new CopyOnWriteArrayList<>();
    final List<Path> restored = new CopyOnWriteArrayList<>();
    final List<Path> unmounted = new CopyOnWriteArrayList<>();

    @Override
    public MountOutcome mount(Path mountpoint, Map<String, String> labels) {
        if (!mountSucceeds) {
            return new MountOutcome.NotMounted(FallbackReason.NOT_ESTARGZ, "no footer in blob");
        }
        mounted.add(mountpoint);
        return MountOutcome.mounted();
    }

    @Override
    public void check(Path mountpoint, Map<String, String> labels) throws LayerUnavailableException {
        checked.add(mountpoint);
        if (!available) {
            throw new LayerUnavailableException(mountpoint, "registry unreachable", null);
        }
    }

    @Override
    public MountOutcome restore(Path mountpoint, Map<String, String> labels) {
        restored.add(mountpoint);
        return restoreSucceeds ? MountOutcome.mounted()
                : new MountOutcome.NotMounted(FallbackReason.REGISTRY_ERROR, "registry down and nothing cached");
    }

    @Override
    public void unmount(Path mountpoint) {
        unmounted.add(mountpoint);
    }
}
