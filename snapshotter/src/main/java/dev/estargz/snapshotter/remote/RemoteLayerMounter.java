package dev.estargz.snapshotter.remote;

import java.nio.file.Path;
import java.util.Map;

/**
 * The seam between snapshot logic and the lazy layer filesystem (implemented by fuse-fs).
 * The snapshotter calls it with the snapshot's {@code fs} directory and the labels containerd passed;
 * it never sees FUSE, registries or caches. Implementations must be thread-safe: containerd prepares
 * the layers of an image in parallel.
 */
public interface RemoteLayerMounter {

    /**
     * Mounts the layer that {@code labels} describe (see {@link LayerSource}) at {@code mountpoint}, an empty
     * directory. Called by Prepare when the labels carry {@code containerd.io/snapshot.ref}. Returns
     * {@link MountOutcome.NotMounted} with the reason when the layer cannot be pulled lazily (not eStargz,
     * TOC digest missing or wrong, registry unreachable, ...): the snapshotter then falls back to an
     * ordinary snapshot that containerd fills by downloading the layer. Must not leave anything mounted
     * when it returns NotMounted. Should not block for more than about 30 s (the reference's resolve timeout).
     */
    MountOutcome mount(Path mountpoint, Map<String, String> labels);

    /**
     * Confirms that the remote layer mounted at {@code mountpoint} can serve reads (reference {@code fs.Check}):
     * called for every remote layer under a snapshot before its mounts are handed to containerd
     * (container Prepare, View and Mounts). Throws when the layer cannot serve reads; the snapshotter then
     * answers UNAVAILABLE.
     */
    void check(Path mountpoint, Map<String, String> labels) throws LayerUnavailableException;

    /**
     * Mounts again, after a daemon restart, a remote snapshot committed by an earlier run, from local state
     * (cached TOC and chunks) when possible, so it works even while the registry is unreachable.
     * {@code labels} are the committed snapshot's labels. A NotMounted result does not stop the daemon:
     * the snapshot stays listed, its mounts answer UNAVAILABLE, and it can be removed.
     */
    MountOutcome restore(Path mountpoint, Map<String, String> labels);

    /**
     * Unmounts whatever is mounted at {@code mountpoint} (also a dead mount left by a killed daemon),
     * before its directory is deleted; does nothing if nothing is mounted. Never throws.
     */
    void unmount(Path mountpoint);
}
