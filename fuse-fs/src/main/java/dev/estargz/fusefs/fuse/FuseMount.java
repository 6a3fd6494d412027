package dev.estargz.fusefs.fuse;

import dev.estargz.fusefs.fs.LayerFileSystem;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link LayerFileSystem} mounted read-only with jnr-fuse. jnr's non-blocking mount sleeps a fixed 2 s, so the
 * FUSE loop runs blocking in a named thread of ours and the mount is live when the kernel's FUSE_INIT reaches it.
 */
public final class FuseMount implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FuseMount.class);
    private static final Duration READY_LIMIT = Duration.ofSeconds(20);

    private final Path mountPoint;
    private final LayerFuseAdapter adapter;
    private final Thread loop;
    private volatile boolean closed;

    private FuseMount(Path mountPoint, LayerFuseAdapter adapter, Thread loop) {
        this.mountPoint = mountPoint;
        this.adapter = adapter;
        this.loop = loop;
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

    /** Mounts {@code fs} at the existing directory {@code dir} and returns once the mount is live. */
    public static FuseMount mount(LayerFileSystem fs, Path dir, Options options) throws IOException {
        long t0 = System.nanoTime();
        Path abs = dir.toAbsolutePath().normalize();
        if (MountTable.isMountPoint(abs)) {
            throw new IOException("cannot mount layer " + fs.layer() + ": " + abs + " is already a mount point");
        }
        LayerFuseAdapter adapter = SpareAdapter.take().serve(fs);
        long adapted = System.nanoTime();
        List<String> opts = new ArrayList<>(List.of("-o", "ro", "-o", "kernel_cache", "-o", "use_ino",
                "-o", "default_permissions", "-o", "subtype=estargz",
                "-o", "fsname=estargz:" + ProcessHandle.current().pid(),
                "-o", "attr_timeout=" + seconds(options.attrTimeout()),
                "-o", "entry_timeout=" + seconds(options.entryTimeout())));
        if (options.allowOther()) {
            opts.add("-o");
            opts.add("allow_other");
        }
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread loop = new Thread(() -> {
            try {
                adapter.mount(abs, true, false, opts.toArray(new String[0]));
            } catch (Throwable t) {
                failure.set(t);
            }
        }, "estargz-fuse-" + abs.getFileName());
        loop.setDaemon(true);
        loop.start();
        long deadline = System.nanoTime() + READY_LIMIT.toNanos();
        // live once the kernel's FUSE_INIT reached the loop (the mount table, polled instead, cost a read of
        // /proc/self/mountinfo per try and up to one poll period per mount)
        while (!initialized(adapter)) {
            if (!loop.isAlive() || System.nanoTime() > deadline) {
                Throwable t = failure.get();
                if (loop.isAlive()) {
                    adapter.umount();
                }
                throw new IOException("cannot mount layer " + fs.layer() + " at " + abs
                        + (t != null ? ": " + t.getMessage() : loop.isAlive() ? ": not mounted within "
                        + READY_LIMIT.toSeconds() + " s" : ": the FUSE loop ended"), t);
            }
        }
        LOG.debug("mounted {} at {} in {} ms ({} ms to set up the callbacks)", fs.layer(), abs,
                (System.nanoTime() - t0) / 1_000_000, (adapted - t0) / 1_000_000);
        return new FuseMount(abs, adapter, loop);
    }

    private static String seconds(Duration d) {
        return Double.toString(d.toMillis() / 1000.0);
    }

    public Path mountPoint() {
        return mountPoint;
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
        try {
            adapter.umount();
        } catch (RuntimeException e) {
            LOG.warn("unmounting {}: {}", mountPoint, e.toString());
        }
        try {
            loop.join(TimeUnit.SECONDS.toMillis(10));
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
