package dev.estargz.fusefs.fetch;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Daemon threads that serve a container's reads (FUSE workers, chunk fetches, mounts, resolves), always at normal
 * priority. A Java thread inherits the priority of the thread that makes it, and pools make their threads when first
 * used: a pool first used by a background fetch or a warm-up (both at {@code MIN_PRIORITY}, which bin/jvm-options.sh
 * maps to nice 4) kept nice-4 threads for on-demand work, e.g. the FUSE adapter built ahead of the next mount.
 */
public final class ServingThreads {
    private ServingThreads() {
    }

    /** A daemon thread named {@code name} at normal priority, not started. */
    public static Thread create(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.setPriority(Thread.NORM_PRIORITY);
        return t;
    }

    /** A factory of such threads, named {@code prefix} followed by 1, 2, ... */
    public static ThreadFactory numbered(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> create(r, prefix + n.incrementAndGet());
    }
}
