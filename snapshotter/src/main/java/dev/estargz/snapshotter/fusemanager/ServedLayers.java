package dev.estargz.snapshotter.fusemanager;

import dev.estargz.snapshotter.remote.LayerUnavailableException;
import dev.estargz.snapshotter.remote.MountOutcome;
import dev.estargz.snapshotter.remote.RemoteLayerMounter;
import dev.estargz.snapshotter.remote.stargz.StargzLayerMounter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** What the fuse manager serves: a layer mounter that also says which mounts it holds (the daemon asks). */
interface ServedLayers extends RemoteLayerMounter {

    /** True when a layer is served at {@code mountpoint} and its FUSE mount is alive. */
    boolean isServing(Path mountpoint);

    /** Every mountpoint served. */
    List<Path> mountpoints();

    /** The lazily pulled layers of fuse-fs. */
    static ServedLayers of(StargzLayerMounter m) {
        return new ServedLayers() {
            @Override
            public MountOutcome mount(Path mountpoint,
                    Map<String, String> labels) {
                return m.mount(mountpoint, labels);
            }

            @Override
            public void check(Path mountpoint, Map<String, String> labels)
                    throws LayerUnavailableException {
                m.check(mountpoint, labels);
            }

            @Override
            public MountOutcome restore(Path mountpoint,
                    Map<String, String> labels) {
                return m.restore(mountpoint, labels);
            }

            @Override
            public void unmount(Path mountpoint) {
                m.unmount(mountpoint);
            }

            @Override
            public boolean isServing(Path mountpoint) {
                return m.isServing(mountpoint);
            }

            @Override
            public List<Path> mountpoints() {
                return m.mountpoints();
            }
        };
    }
}
