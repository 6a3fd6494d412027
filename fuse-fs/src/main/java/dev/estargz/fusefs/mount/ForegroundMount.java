package dev.estargz.fusefs.mount;

import dev.estargz.fusefs.fuse.FuseMount;
import dev.estargz.fusefs.fuse.MountTable;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A layer mounted for as long as the process runs ({@code estargz mount}): stale mounts of ours left at the
 * directory by a crashed run are removed first; Ctrl-C or SIGTERM unmounts cleanly, and so does an outside
 * {@code fusermount -u}, after which {@link #run} returns.
 */
public final class ForegroundMount {
    private static final Logger LOG = LoggerFactory.getLogger(ForegroundMount.class);

    private ForegroundMount() {
    }

    /** Mounts {@code source} at {@code dir} and blocks until it is unmounted. */
    public static void run(LayerMounter mounter, LayerSource source, Path dir, PrintStream out)
            throws IOException, InterruptedException {
        List<Path> stale = FuseMount.removeStaleMounts(dir);
        for (Path p : stale) {
            out.println("removed stale mount " + p);
        }
        MountedLayer mounted = mounter.mount(source, dir);
        Thread hook = new Thread(() -> closeQuietly(mounted), "estargz-mount-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        out.println("mounted " + source.layerDigest() + " at " + mounted.mountPoint()
                + " (Ctrl-C or fusermount -u to unmount)");
        out.flush();
        boolean prefetched = mounted.awaitPrefetch(Duration.ofSeconds(10));
        LOG.info("{}: prefetch {}", source.layerDigest(), prefetched ? "done" : "still running");
        while (MountTable.isMountPoint(mounted.mountPoint())) {
            Thread.sleep(500);
        }
        closeQuietly(mounted);
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running already
        }
    }

    private static void closeQuietly(MountedLayer m) {
        try {
            m.close();
        } catch (IOException | RuntimeException e) {
            LOG.warn("unmounting {}: {}", m.mountPoint(), e.toString());
        }
    }
}
