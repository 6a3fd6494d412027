package dev.estargz.snapshotter.runtime;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives the heap a layer's open or a burst of reads grew back to the system once the process is quiet.
 *
 * <p>The serial collector (the launchers' choice, bench/README.md "Daemon memory") shrinks the heap only after a
 * full collection, and a daemon that has gone idle never has one: the 40–100 MiB a TOC index build or the warm-up
 * took would stay resident for good. So every period this looks at the collectors: if none ran since the last look
 * (nothing is allocating, so a pause hurts no one), the heap is above {@code MIN_COMMITTED} and at least half of it
 * is free, it asks for a full collection, after which the JVM uncommits down to {@link #TRIM_MAX_FREE_PERCENT}. A
 * busy process collects on its own and is left alone.
 *
 * <p>The launchers let the heap grow in larger steps while busy ({@code -XX:MinHeapFreeRatio=20
 * -XX:MaxHeapFreeRatio=40}) and only this trim applies tight ratios, for its one collection (both flags are
 * manageable at run time). With tight ratios all the time, a TOC parse starting from a trimmed heap collected
 * itself about 30 times on the way up (measured on a 6780-entry layer: 32 full collections against 7 at 20/40 and 6 at
 * 40/70; 40/70 also left a busy process's heap large, 30-50 MiB more after background fetch).
 */
public final class IdleHeapTrim {
    private static final Logger LOG = LoggerFactory.getLogger(IdleHeapTrim.class);
    private static final long MIN_COMMITTED = 16L << 20;
    /** The heap ratios for the trim's collection: down to what is live plus a fifth. */
    static final String TRIM_MIN_FREE_PERCENT = "5";
    static final String TRIM_MAX_FREE_PERCENT = "20";
    private static final String MIN_FREE = "MinHeapFreeRatio";
    private static final String MAX_FREE = "MaxHeapFreeRatio";

    private long collectionsSeen = -1;

    private IdleHeapTrim() {
    }

    /** Starts looking every {@code periodMillis} on a daemon thread, for the rest of the process's life. */
    public static void start(long periodMillis) {
        IdleHeapTrim trim = new IdleHeapTrim();
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "idle-heap-trim");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(trim::check, periodMillis, periodMillis, TimeUnit.MILLISECONDS);
    }

    /** Whether a heap of this usage is worth a full collection: more than a small heap, and half of it free. */
    static boolean worthTrimming(long committed, long used) {
        return committed > MIN_COMMITTED && (committed - used) * 2 >= committed;
    }

    private void check() {
        long collections = collections(ManagementFactory.getGarbageCollectorMXBeans());
        boolean quiet = collections == collectionsSeen;
        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        if (quiet && worthTrimming(heap.getCommitted(), heap.getUsed())) {
            collectTight();
            LOG.debug("idle: heap of {} KiB ({} KiB used) collected, now {} KiB", heap.getCommitted() >> 10,
                    heap.getUsed() >> 10, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getCommitted() >> 10);
            collections = collections(ManagementFactory.getGarbageCollectorMXBeans());
        }
        collectionsSeen = collections;
    }

    /**
     * A full collection under the trim's ratios, the process's own restored afterwards (the order keeps min <= max,
     * which the JVM enforces on every change). Where the flags cannot be changed, a plain full collection. Also
     * called once the warm-up is done, so that the heap it took is not held until the first quiet look.
     * Synchronized: a second caller meanwhile would take the tight ratios for the process's own and restore them.
     */
    public static synchronized void collectTight() {
        HotSpotDiagnosticMXBean vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
        String min;
        String max;
        try {
            min = vm.getVMOption(MIN_FREE).getValue();
            max = vm.getVMOption(MAX_FREE).getValue();
            vm.setVMOption(MIN_FREE, TRIM_MIN_FREE_PERCENT);
            vm.setVMOption(MAX_FREE, TRIM_MAX_FREE_PERCENT);
        } catch (IllegalArgumentException | SecurityException e) {
            LOG.debug("heap ratios not changeable ({}); collecting with the process's own", e.toString());
            System.gc();
            return;
        }
        try {
            System.gc();
        } finally {
            vm.setVMOption(MAX_FREE, max);
            vm.setVMOption(MIN_FREE, min);
        }
    }

    static long collections(List<GarbageCollectorMXBean> collectors) {
        long n = 0;
        for (GarbageCollectorMXBean c : collectors) {
            n += Math.max(0, c.getCollectionCount());
        }
        return n;
    }
}
