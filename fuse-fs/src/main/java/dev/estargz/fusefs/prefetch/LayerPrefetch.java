package dev.estargz.fusefs.prefetch;

import dev.estargz.fusefs.fetch.ChunkFetcher;
import dev.estargz.fusefs.fetch.ForegroundActivity;
import dev.estargz.fusefs.index.LayerIndex;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One named thread per layer that first fetches the prioritised region {@code [0, prefetchEnd)} in one range
 * request, then (optionally) the rest of the blob in blob order at low priority: it starts a batch only once the
 * foreground of every layer has been quiet for a while (see {@link ForegroundActivity}) and keeps under a bandwidth
 * cap. Failures are logged and retried with backoff; on-demand
 * reads never depend on this thread.
 */
public final class LayerPrefetch implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LayerPrefetch.class);
    /**
     * One background request: at most this many bytes fetched, and at most this many decompressed (a batch's chunks
     * are on the heap together while they are verified and written; compressed text inflates 5-10 times, and
     * batches of 2 MiB fetched, up to 20 MiB decompressed, outlived the young generation and grew the old one:
     * a fuse manager's heap went to ~100 MiB committed for ~25 MiB live). 1 MiB is 80 ms on a 100 Mbit/s link,
     * the longest an on-demand read may queue behind it; two batches in flight still fill the link at 20 ms RTT.
     */
    private static final long BATCH_BYTES = 1L << 20;
    private static final int MAX_ATTEMPTS = 5;

    private final String layer;
    private final ChunkFetcher fetcher;
    private final long prefetchEnd;
    private final boolean background;
    private final long bytesPerSecond;
    private final Semaphore backgroundSlots;
    private final ForegroundActivity activity;
    private final Thread thread;
    private final CountDownLatch prefetched = new CountDownLatch(1);
    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile boolean closed;
    private volatile long prefetchedBytes;

    /**
     * @param prefetchEnd    end of the prioritised region in the blob; 0 for none
     * @param background     whether to fetch the whole rest of the blob afterwards
     * @param bytesPerSecond cap for the background fetch; 0 for none
     * @param backgroundSlots shared by the layers of one mounter: a background batch is fetched only while holding
     *                        a slot, so many layers mounted at once do not all hold a batch in memory and split the
     *                        link between them
     */
    public LayerPrefetch(String layer, ChunkFetcher fetcher, long prefetchEnd, boolean background,
            long bytesPerSecond, Semaphore backgroundSlots) {
        this(layer, fetcher, prefetchEnd, background, bytesPerSecond, backgroundSlots, ForegroundActivity.none());
    }

    /**
     * As above; {@code activity} is the foreground of every layer of the same mounter: the background fetch waits
     * until it has been quiet for its silence period before each batch.
     */
    public LayerPrefetch(String layer, ChunkFetcher fetcher, long prefetchEnd, boolean background,
            long bytesPerSecond, Semaphore backgroundSlots, ForegroundActivity activity) {
        this.layer = layer;
        this.activity = activity;
        this.backgroundSlots = backgroundSlots;
        this.fetcher = fetcher;
        this.prefetchEnd = prefetchEnd;
        this.background = background;
        this.bytesPerSecond = bytesPerSecond;
        this.thread = new Thread(this::run, "estargz-prefetch-" + layer);
        this.thread.setDaemon(true);
    }

    public void start() {
        thread.start();
    }

    private void run() {
        try {
            if (prefetchEnd > 0) {
                prefetch();
            }
            prefetched.countDown();
            if (background) {
                // a container may wait for the prefetch, never for the background fetch, which yields the CPU too
                // (a nice value where the daemon maps priorities to them: bin/jvm-options.sh)
                Thread.currentThread().setPriority(Thread.MIN_PRIORITY);
                backgroundFetch();
            }
        } catch (InterruptedException e) {
            // closed
        } finally {
            prefetched.countDown();
            finished.countDown();
        }
    }

    private void prefetch() throws InterruptedException {
        for (int attempt = 1; attempt <= MAX_ATTEMPTS && !closed; attempt++) {
            try {
                long t0 = System.nanoTime();
                prefetchedBytes = fetcher.fillRegion(0, prefetchEnd, true);
                LOG.info("{}: prefetched [0, {}) ({} bytes fetched) in {} ms", layer, prefetchEnd, prefetchedBytes,
                        (System.nanoTime() - t0) / 1_000_000);
                return;
            } catch (IOException e) {
                LOG.warn("{}: prefetch attempt {} failed: {}", layer, attempt, e.getMessage());
                backoff(attempt);
            }
        }
    }

    private void backgroundFetch() throws InterruptedException {
        LayerIndex index = fetcher.index();
        long start = System.nanoTime();
        long fetched = 0;
        List<Integer> batch = new ArrayList<>();
        long batchBytes = 0;
        for (int c = 0; c <= index.chunkCount() && !closed; c++) {
            if (c < index.chunkCount() && !fetcher.isPresent(c)) {
                batch.add(c);
                batchBytes += Math.max(index.chunkCompressedLength(c), index.chunkSize(c));
            }
            if (batchBytes >= BATCH_BYTES || c == index.chunkCount() && !batch.isEmpty()) {
                yieldToForeground();
                fetched += fetchBatch(batch);
                batch.clear();
                batchBytes = 0;
                throttle(start, fetched);
            }
        }
        if (!closed) {
            LOG.info("{}: background fetch done ({} bytes fetched)", layer, fetched);
        }
    }

    private long fetchBatch(List<Integer> batch) throws InterruptedException {
        for (int attempt = 1; attempt <= MAX_ATTEMPTS && !closed; attempt++) {
            backgroundSlots.acquire();
            try {
                return fetcher.fillChunks(batch);
            } catch (IOException e) {
                LOG.warn("{}: background fetch attempt {} failed: {}", layer, attempt, e.getMessage());
            } finally {
                backgroundSlots.release();
            }
            backoff(attempt);
        }
        return 0;
    }

    private void yieldToForeground() throws InterruptedException {
        while (fetcher.foregroundWaiting() > 0 && !closed) {
            Thread.sleep(10);
        }
        activity.awaitQuiet(() -> closed);
    }

    private void throttle(long startNanos, long bytes) throws InterruptedException {
        if (bytesPerSecond <= 0) {
            return;
        }
        long dueNanos = (long) (bytes * 1e9 / bytesPerSecond);
        long ahead = dueNanos - (System.nanoTime() - startNanos);
        if (ahead > 0) {
            TimeUnit.NANOSECONDS.sleep(ahead);
        }
    }

    private void backoff(int attempt) throws InterruptedException {
        Thread.sleep(Math.min(30_000L, 250L << Math.min(attempt, 7)));
    }

    /** Waits until the prioritised region is cached (or its prefetch gave up); true when it ended in time. */
    public boolean awaitPrefetch(Duration limit) throws InterruptedException {
        return prefetched.await(limit.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Waits until all work (prefetch and background fetch) ended. */
    public boolean awaitFinished(Duration limit) throws InterruptedException {
        return finished.await(limit.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Compressed bytes the prefetch fetched. */
    public long prefetchedBytes() {
        return prefetchedBytes;
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
