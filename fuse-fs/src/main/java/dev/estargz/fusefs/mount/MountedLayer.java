package dev.estargz.fusefs.mount;

import dev.estargz.fusefs.fuse.FuseMount;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/** A layer mounted with FUSE; closing it unmounts and stops its fetchers. */
public final class MountedLayer implements AutoCloseable {
    private final OpenedLayer layer;
    private final FuseMount mount;

    MountedLayer(OpenedLayer layer, FuseMount mount) {
        this.layer = layer;
        this.mount = mount;
    }

    public Path mountPoint() {
        return mount.mountPoint();
    }

    /** Whether the mount still serves reads ({@link FuseMount#isServing()}). */
    public boolean isServing() {
        return mount.isServing();
    }

    /** The served layer behind the mount. */
    public OpenedLayer layer() {
        return layer;
    }

    /** Current progress. */
    public LayerState state() {
        return layer.state();
    }

    /** Waits until the prioritised region is cached. */
    public boolean awaitPrefetch(Duration limit) throws InterruptedException {
        return layer.awaitPrefetch(limit);
    }

    /** Checks that the blob is still reachable. */
    public void check() throws IOException {
        layer.check();
    }

    /** Unmounts (reads in flight fail with EIO or ENOTCONN) and stops fetching. */
    @Override
    public void close() throws IOException {
        try {
            mount.close();
        } finally {
            layer.close();
        }
    }
}
