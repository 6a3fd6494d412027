package dev.estargz.fusefs.fuse;

import dev.estargz.fusefs.fs.LayerFileSystem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link LayerFileSystem} (or another {@link FuseTree}) mounted with libfuse through jnr-fuse's callbacks, served by a
 * {@link FuseSession} of our own threads (jnr-fuse's mount runs libfuse's loop on native threads, and sleeps a fixed
 * 2 s when not blocking); the mount is live when the kernel's FUSE_INIT reaches a worker.
 */
public final class FuseMount implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FuseMount.class);
    private static final Duration READY_LIMIT = Duration.ofSeconds(20);

    private final Path mountPoint;
    private final FuseSession session;
    private volatile boolean closed;

    private FuseMount(Path mountPoint, FuseSession session) {
        this.mountPoint = mountPoint;
        this.session = session;
    }

    /**
     * Options of a mount.
     *
     * @param attrTimeout  how long the kernel caches attributes ({@code [fuse] attr_timeout})
     * @param entryTimeout how long the kernel caches lookups ({@code [fuse] entry_timeout})
     * @param allowOther   let other users (containers) in; permissions are checked by the kernel
     */
    public record Options(Duration attrTimeout, Duration entryTimeout, boolean allowOther) {
        public static Options defaults() {
            return new Options(Duration.ofSeconds(1), Duration.ofSeconds(1), true);
        }
    }

    /** Mounts {@code fs} read-only at the existing directory {@code dir} and returns once the mount is live. */
    public static FuseMount mount(LayerFileSystem fs, Path dir, Options options) throws IOException {
        return mount(new LayerTree(fs), dir, options, true);
    }

    /**
     * Mounts {@code tree} at the existing directory {@code dir} and returns once the mount is live. Without
     * {@code readOnly} the kernel passes {@code create} and {@code rmdir} on to the tree (which still makes nothing:
     * a layer store reads them as messages).
     */
    public static FuseMount mount(FuseTree tree, Path dir, Options options, boolean readOnly) throws IOException {
        long t0 = System.nanoTime();
        Path abs = dir.toAbsolutePath().normalize();
        if (MountTable.isMountPoint(abs)) {
            throw new IOException("cannot mount layer " + tree.name() + ": " + abs + " is already a mount point");
        }
        LayerFuseAdapter adapter = SpareAdapter.take().serve(tree);
        long adapted = System.nanoTime();
        // suid: setuid programs in the image work in its containers, as on the reference's mounts
        List<String> opts = new ArrayList<>(List.of("-o", "kernel_cache", "-o", "use_ino", "-o", "suid",
                "-o", "default_permissions", "-o", "subtype=estargz",
                "-o", "fsname=estargz:" + ProcessHandle.current().pid(),
                "-o", "attr_timeout=" + seconds(options.attrTimeout()),
                "-o", "entry_timeout=" + seconds(options.entryTimeout())));
        if (readOnly) {
            opts.add(0, "ro");
            opts.add(0, "-o");
        }
        if (options.allowOther()) {
            opts.add("-o");
            opts.add("allow_other");
        }
        FuseSession session;
        try {
            session = FuseSession.mount(adapter, abs, opts, "estargz-fuse-" + abs.getFileName());
        } catch (IOException | RuntimeException e) {
            throw new IOException("cannot mount layer " + tree.name() + " at " + abs + ": " + e.getMessage(), e);
        }
        long deadline = System.nanoTime() + READY_LIMIT.toNanos();
        // live once the kernel's FUSE_INIT reached a worker (the mount table, polled instead, cost a read of
        // /proc/self/mountinfo per try and up to one poll period per mount)
        while (!initialized(adapter)) {
            if (session.ended().isDone() || System.nanoTime() > deadline) {
                session.exit();
                try {
                    forceUnmount(abs);
                } catch (IOException e) {
                    LOG.debug("unmounting {} after a failed mount: {}", abs, e.getMessage());
                }
                throw new IOException("cannot mount layer " + tree.name() + " at " + abs + (session.ended().isDone()
                        ? ": the FUSE session ended" : ": not mounted within " + READY_LIMIT.toSeconds() + " s"));
            }
        }
        LOG.debug("mounted {} at {} in {} ms ({} ms to set up the callbacks)", tree.name(), abs,
                (System.nanoTime() - t0) / 1_000_000, (adapted - t0) / 1_000_000);
        return new FuseMount(abs, session);
    }

    private static String seconds(Duration d) {
        return Double.toString(d.toMillis() / 1000.0);
    }

    public Path mountPoint() {
        return mountPoint;
    }

    /**
     * Whether the mount still serves: not closed, its FUSE session alive (an unmount from outside ends it) and
     * something still mounted at the mount point (a lazy detach leaves the session serving open files while the
     * directory underneath shows through). Two stats rather than a read of the whole mount table, because it is asked
     * for every layer of an image on each container start. The mount point's own stat is answered by the kernel's
     * attribute cache or by this session.
     */
    public boolean isServing() {
        if (closed || session.ended().isDone()) {
            return false;
        }
        try {
            Object here = Files.getAttribute(mountPoint, "unix:dev", LinkOption.NOFOLLOW_LINKS);
            Object parent = Files.getAttribute(mountPoint.getParent(), "unix:dev", LinkOption.NOFOLLOW_LINKS);
            return !here.equals(parent);
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /**
     * Unmounts: ends the FUSE loop and detaches the mount (lazily, so that reads in flight do not keep it busy),
     * then waits for the loop thread.
     */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        session.exit();
        try {
            if (MountTable.isMountPoint(mountPoint)) { // not when unmounted from outside already
                forceUnmount(mountPoint);
            }
        } catch (IOException e) {
            LOG.warn("unmounting {}: {}", mountPoint, e.toString());
        }
        try {
            session.ended().get(10, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            LOG.warn("the FUSE workers of {} did not end within 10 s (files still open on the detached mount?)",
                    mountPoint);
        } catch (ExecutionException e) {
            throw new IllegalStateException("never completed exceptionally", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (MountTable.isMountPoint(mountPoint)) {
            forceUnmount(mountPoint);
        }
    }

    /** {@code fusermount -u -z DIR}: the last resort for a dead or stuck mount. */
    public static void forceUnmount(Path dir) throws IOException {
        Process p = new ProcessBuilder("fusermount", "-u", "-z", dir.toString()).redirectErrorStream(true).start();
        try {
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("fusermount -u -z " + dir + " did not finish within 10 s");
            }
            String out = new String(p.getInputStream().readAllBytes());
            if (p.exitValue() != 0) {
                throw new IOException("fusermount -u -z " + dir + " failed: " + out.trim());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while unmounting " + dir, e);
        }
    }

    /** Unmounts our mounts at or below {@code under} whose serving process is gone; returns them. */
    public static List<Path> removeStaleMounts(Path under) throws IOException {
        List<Path> stale = MountTable.staleMounts(under);
        for (Path p : stale) {
            LOG.info("removing stale estargz mount {} left by a process that is gone", p);
            forceUnmount(p);
        }
        return stale;
    }

    /** Waits up to 20 ms for the adapter's FUSE_INIT; false when it has not come yet. */
    private static boolean initialized(LayerFuseAdapter adapter) throws IOException {
        try {
            adapter.initialized().get(20, TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            throw new IllegalStateException("never completed exceptionally", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while mounting");
        }
    }
}
