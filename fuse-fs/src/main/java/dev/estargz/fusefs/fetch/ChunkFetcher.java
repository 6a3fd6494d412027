package dev.estargz.fusefs.fetch;

import dev.estargz.format.codec.MemberCodec;
import dev.estargz.fusefs.cache.ChunkCache;
import dev.estargz.fusefs.index.LayerIndex;
import dev.estargz.registry.BlobSource;
import dev.estargz.registry.ByteRange;
import dev.estargz.registry.Digest;
import java.io.IOException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves a layer's chunks: from the cache, or fetched (the reader's chunks and the small ones right after them in
 * one request, the chunks after an in-order scan read ahead; distant members of one request go as one
 * multi-range request), decompressed, verified against the chunk digest and cached.
 * However many readers want a chunk, it is fetched once (single flight); every wait is bounded by
 * {@link FetchOptions#timeout()}. A chunk whose bytes fail verification is fetched once more, then reported and
 * refused. Thread-safe.
 */
public final class ChunkFetcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ChunkFetcher.class);
    private static final long MAX_REQUEST = 64L << 20;
    /** Bounds the work one read spends looking for chunks to read ahead (tiny files give many chunks per window). */
    private static final int MAX_READ_AHEAD_SCAN = 256;

    private final String layer;
    private final BlobSource blob;
    private final LayerIndex index;
    private final MemberCodec codec;
    private final ChunkCache cache;
    private final FetchOptions options;
    private final OnDemandEvents events;
    private final ForegroundActivity activity;
    private final ExecutorService pool;
    private final ConcurrentHashMap<Integer, Pending> inflight = new ConcurrentHashMap<>();
    private final BitSet present;
    /** Chunks fetched because a reader asked (for itself, as a neighbour, or read ahead); guarded by {@link #present}. */
    private final BitSet fetchedForReads;
    private final AtomicLong presentBytes = new AtomicLong();
    private final AtomicInteger waiting = new AtomicInteger();
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong fetchedBytes = new AtomicLong();
    private final AtomicInteger lastReadAhead = new AtomicInteger(-1);
    private final AtomicInteger aheadJobs = new AtomicInteger();
    private final AtomicLong readAheadChunks = new AtomicLong();

    public ChunkFetcher(String layer, BlobSource blob, LayerIndex index, MemberCodec codec, ChunkCache cache,
            FetchOptions options, OnDemandEvents events) {
        this(layer, blob, index, codec, cache, options, events, ForegroundActivity.none());
    }

    /**
     * @param activity told when a reader waits for the registry, so that background work of every layer of the
     *                 same mounter holds back meanwhile
     */
    public ChunkFetcher(String layer, BlobSource blob, LayerIndex index, MemberCodec codec, ChunkCache cache,
            FetchOptions options, OnDemandEvents events, ForegroundActivity activity) {
        this.layer = layer;
        this.events = events;
        this.activity = activity;
        this.blob = blob;
        this.index = index;
        this.codec = codec;
        this.cache = cache;
        this.options = options;
        this.present = new BitSet(index.chunkCount());
        this.fetchedForReads = new BitSet(index.chunkCount());
        ThreadPoolExecutor threads = new ThreadPoolExecutor(options.threads(), options.threads(), 10,
                TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                ServingThreads.numbered("estargz-fetch-" + shortName(layer) + "-"));
        // a layer nobody reads holds no threads (each is a stack and a malloc arena of resident memory)
        threads.allowCoreThreadTimeOut(true);
        this.pool = threads;
        for (int c = 0; c < index.chunkCount(); c++) {
            if (cache.contains(index.chunkDigestHex(c))) {
                markPresent(c);
            }
        }
    }

    private static String shortName(String layer) {
        int colon = layer.lastIndexOf(':');
        String s = colon >= 0 ? layer.substring(colon + 1) : layer;
        return s.length() > 12 ? s.substring(0, 12) : s;
    }

    /**
     * The uncompressed bytes of chunks {@code first..last} (inclusive, consecutive in the table, e.g. the chunks of
     * one file that a read spans), fetching the missing ones together.
     */
    public byte[][] chunks(int first, int last) throws IOException {
        return chunks(first, last, 0);
    }

    /**
     * As {@link #chunks(int, int)}, for a read of a file that goes on for {@code fileBytesAfter} uncompressed bytes
     * after chunk {@code last}: an in-order read reads ahead further inside that file than past its end.
     */
    public byte[][] chunks(int first, int last, long fileBytesAfter) throws IOException {
        long deadline = System.nanoTime() + options.timeout().toNanos();
        int n = last - first + 1;
        byte[][] out = new byte[n][];
        List<Pending> waits = new ArrayList<>(n);
        List<Integer> claimed = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int c = first + i;
            out[i] = cache.get(index.chunkDigestHex(c));
            if (out[i] != null) {
                markPresent(c);
                waits.add(null);
                continue;
            }
            Pending mine = new Pending(deadline);
            Pending f = join(c, mine, deadline);
            if (f == mine) {
                // Another job may have cached it between our cache miss and the claim.
                byte[] late = cache.get(index.chunkDigestHex(c));
                if (late != null) {
                    inflight.remove(c, mine);
                    mine.complete(late);
                    out[i] = late;
                    waits.add(null);
                    continue;
                }
                claimed.add(c);
                f = mine;
            }
            waits.add(f);
        }
        if (!claimed.isEmpty()) {
            // The reader's request carries what it asked for plus the chunks that end within mergeGap after it
            // (a few small files cost a few ms of transfer at most); anything bigger would delay the reader. An
            // in-order scan is served by read-ahead instead. (Measured: a 512 KiB window of neighbours, even as
            // a second request, took first-byte latency from 1.8 to 3.9 RTT through a 100 Mbit/s link.)
            claimed.addAll(claimNeighbours(claimed, options.mergeGap(), deadline));
            submit(List.copyOf(claimed));
        }
        // An in-order scan: the chunk before is local, and this one had to be fetched or was fetched for reads.
        // Reads over what the prefetch or the background fetch brought in are no scan the link must follow: read
        // ahead from there pulled in two windows past the prioritised region for every optimised image.
        if (first > 0 && isPresent(first - 1) && (!claimed.isEmpty() || wasFetchedForReads(first))) {
            readAhead(last, fileBytesAfter);
        }
        boolean missing = false;
        for (byte[] b : out) {
            missing |= b == null;
        }
        if (!missing) {
            return out;
        }
        waiting.incrementAndGet();
        activity.readerWaiting();
        try {
            for (int i = 0; i < n; i++) {
                if (out[i] == null) {
                    out[i] = await(first + i, waits.get(i), deadline);
                }
            }
        } finally {
            waiting.decrementAndGet();
            activity.readerDone();
        }
        return out;
    }

    /**
     * The chunk's pending fetch, {@code mine} when there was none; either way one more reader waits for it until
     * {@code deadline}. Atomic with {@link #stillWanted}'s dropping of the chunk: a reader either keeps the fetch
     * or finds none and claims the chunk anew.
     */
    private Pending join(int c, Pending mine, long deadline) {
        return inflight.compute(c, (k, pending) -> {
            if (pending == null) {
                return mine;
            }
            pending.waitedFor(deadline);
            return pending;
        });
    }

    /** Claims the uncached chunks that follow a foreground job in the blob and end within {@code reach} of it. */
    private List<Integer> claimNeighbours(List<Integer> claimed, long reach, long deadline) {
        List<Integer> neighbours = new ArrayList<>();
        int last = claimed.get(claimed.size() - 1);
        long end = index.chunkCompressedOffset(last) + index.chunkCompressedLength(last);
        long limit = end + reach;
        for (int c = last + 1; c < index.chunkCount(); c++) {
            long off = index.chunkCompressedOffset(c);
            long e = off + index.chunkCompressedLength(c);
            if (off < end || e > limit) {
                break;
            }
            if (isPresent(c) || inflight.putIfAbsent(c, new Pending(deadline)) != null) {
                break;
            }
            neighbours.add(c);
            end = e;
        }
        return neighbours;
    }

    /**
     * Sequential read-ahead: a read whose preceding chunk is already local is taken as part of an in-order scan
     * (one big file, or many small files in blob order), so the chunks after it are fetched before they are asked
     * for: inside the file being read up to two chunks or two windows, whichever is more; past its end only
     * chunks that fit in two windows (a big file nobody opened is not pulled in because the file before it was
     * read). Requests are at most a window each, so that each completes on its own. Small files would otherwise
     * give one small request per file read, each paying a round trip, so nothing is asked for until at least half
     * a window is missing ahead. Runs once per chunk read (the kernel reads a big chunk in many pieces) and leaves
     * one pool thread free for foreground misses.
     */
    private void readAhead(int last, long fileBytesAfter) {
        if (last + 1 >= index.chunkCount() || lastReadAhead.getAndSet(last) == last) {
            return;
        }
        // Within the file being read, two chunks however big; past its end only what fits in two windows, so a
        // big file nobody opened is never pulled in because the file before it was read.
        long fileBudget = Math.max(2L * options.window(), 2L * index.chunkCompressedLength(last));
        long crossBudget = 2L * options.window();
        long scanned = 0;
        long missingBytes = 0;
        List<Integer> missing = new ArrayList<>();
        int scanEnd = Math.min(index.chunkCount(), last + 1 + MAX_READ_AHEAD_SCAN);
        boolean blockedByBigChunk = false;
        long inFile = fileBytesAfter; // the file's chunks follow `last` in the table until these bytes are used up
        int c = last + 1;
        for (; c < scanEnd; c++) {
            int len = index.chunkCompressedLength(c);
            long limit = inFile > 0 ? fileBudget : crossBudget;
            if (scanned + len > limit) {
                blockedByBigChunk = len > limit / 2; // waiting for the reader to come closer will not help
                break;
            }
            scanned += len;
            inFile -= index.chunkSize(c);
            if (!isPresent(c) && !inflight.containsKey(c)) {
                missing.add(c);
                missingBytes += len;
            }
        }
        boolean enough = missingBytes >= options.window() / 2 || missing.size() >= MAX_READ_AHEAD_SCAN / 2
                || c == index.chunkCount() || blockedByBigChunk;
        if (missing.isEmpty() || !enough) {
            return;
        }
        List<Integer> job = new ArrayList<>();
        long jobBytes = 0;
        long soon = System.nanoTime() + options.timeout().toNanos(); // when the scan's reader may want them
        for (int m : missing) {
            int len = index.chunkCompressedLength(m);
            if (!job.isEmpty() && jobBytes + len > options.window()) {
                submitAhead(job);
                job = new ArrayList<>();
                jobBytes = 0;
            }
            if (aheadJobs.get() >= options.threads() - 1) {
                break;
            }
            if (inflight.putIfAbsent(m, new Pending(soon)) == null) {
                job.add(m);
                jobBytes += len;
            }
        }
        submitAhead(job);
    }

    private void submitAhead(List<Integer> job) {
        if (job.isEmpty()) {
            return;
        }
        markFetchedForReads(job);
        aheadJobs.incrementAndGet();
        readAheadChunks.addAndGet(job.size());
        List<Integer> copy = List.copyOf(job);
        boolean queued = execute(copy, () -> {
            try {
                runJob(copy, false);
            } finally {
                aheadJobs.decrementAndGet();
            }
        });
        if (!queued) {
            aheadJobs.decrementAndGet();
        }
    }

    /** Runs a reader's job on the pool. */
    private void submit(List<Integer> job) {
        markFetchedForReads(job);
        execute(job, () -> runJob(job, true));
    }

    private void markFetchedForReads(List<Integer> job) {
        synchronized (present) {
            for (int c : job) {
                fetchedForReads.set(c);
            }
        }
    }

    private boolean wasFetchedForReads(int c) {
        synchronized (present) {
            return fetchedForReads.get(c);
        }
    }

    /** Queues {@code work} for {@code job}; when the pool is shut (unmount) fails the job's waiters and says so. */
    private boolean execute(List<Integer> job, Runnable work) {
        try {
            pool.execute(work);
            return true;
        } catch (RejectedExecutionException e) {
            fail(job, new ChunkUnavailableException(layer, index.chunkCompressedOffset(job.get(0)),
                    "layer is being unmounted", e));
            return false;
        }
    }

    private byte[] await(int c, Pending f, long deadline) throws IOException {
        try {
            return f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new ChunkUnavailableException(layer, index.chunkCompressedOffset(c), "no answer from "
                    + blob + " within " + options.timeout().toMillis() + " ms", null);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof ChunkUnavailableException cu) {
                throw new ChunkUnavailableException(layer, cu.compressedOffset(), cu.getMessage(), cu);
            }
            throw new ChunkUnavailableException(layer, index.chunkCompressedOffset(c), cause.toString(), cause);
        } catch (CancellationException e) {
            throw new ChunkUnavailableException(layer, index.chunkCompressedOffset(c), "fetch cancelled", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ChunkUnavailableException(layer, index.chunkCompressedOffset(c), "interrupted", e);
        }
    }

    /**
     * Fetches the chunks lying entirely in blob bytes {@code [start, end)} in as few requests as possible (one, for
     * a region under 64 MiB) and caches them; the caller's thread does the work. Used by prefetch.
     *
     * @return the number of compressed bytes fetched
     */
    public long fillRegion(long start, long end, boolean keepInMemory) throws IOException {
        Fill fill = new Fill();
        for (int c = 0; c < index.chunkCount(); c++) {
            long off = index.chunkCompressedOffset(c);
            if (off >= start && off + index.chunkCompressedLength(c) <= end) {
                fill.consider(c);
            }
        }
        fill.claimed.sort((a, b) -> Long.compare(index.chunkCompressedOffset(a), index.chunkCompressedOffset(b)));
        long bytes = fill.run(keepInMemory, Long.MAX_VALUE);
        // the chunks another layer's fetcher fills: the region counts as fetched once they are in the cache; one
        // fetching_timeout for all of them, not one each
        long deadline = System.nanoTime() + options.timeout().toNanos();
        for (int i = 0; i < fill.elsewhere.size(); i++) {
            try {
                fill.elsewhereDone.get(i).get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException | ExecutionException e) {
                // not filled in time: readers fetch it on demand
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while another layer fills the region");
            }
            int c = fill.elsewhere.get(i);
            if (cache.contains(index.chunkDigestHex(c))) {
                markPresent(c);
            }
        }
        return bytes;
    }

    /**
     * Fetches the given chunks (sorted in blob order) that are neither cached nor being fetched (here or by another
     * layer's fetcher), on the caller's thread, without keeping them in memory. Used by the background fetcher.
     *
     * @return the number of compressed bytes fetched
     */
    public long fillChunks(List<Integer> chunks) throws IOException {
        Fill fill = new Fill();
        for (int c : chunks) {
            fill.consider(c);
        }
        return fill.run(false, options.mergeGap());
    }

    /**
     * The chunks of one prefetch or background batch: those this fetcher fetches (claimed here and in the shared
     * cache), and those another layer's fetcher is filling at the moment (the same blob mounted twice).
     */
    private final class Fill {
        final List<Integer> claimed = new ArrayList<>();
        final List<String> owned = new ArrayList<>();
        final List<Integer> elsewhere = new ArrayList<>();
        final List<CompletableFuture<Void>> elsewhereDone = new ArrayList<>();

        void consider(int c) {
            if (isPresent(c)) {
                return;
            }
            String key = index.chunkDigestHex(c);
            if (cache.contains(key)) {
                markPresent(c); // another layer's fetcher got it
                return;
            }
            CompletableFuture<Void> other = cache.claimFill(key);
            if (other != null) {
                elsewhere.add(c);
                elsewhereDone.add(other);
            } else if (inflight.putIfAbsent(c, new Pending(System.nanoTime())) == null) {
                claimed.add(c);
                owned.add(key);
            } else {
                cache.releaseFill(key); // a reader of this layer fetches it already
            }
        }

        long run(boolean keepInMemory, long gap) throws IOException {
            try {
                return claimed.isEmpty() ? 0 : runJob(claimed, keepInMemory, gap);
            } finally {
                owned.forEach(cache::releaseFill);
            }
        }
    }

    /** Runs a job fetched for readers (kept in memory: they are about to be read), reporting on-demand fetches. */
    private void runJob(List<Integer> queued, boolean onDemand) {
        List<Integer> job = stillWanted(queued);
        if (job.isEmpty()) {
            return;
        }
        try {
            runJob(job, true, options.mergeGap());
            if (onDemand) {
                long bytes = 0;
                for (int c : job) {
                    bytes += index.chunkSize(c);
                }
                events.fetched(job.size(), bytes);
            }
        } catch (IOException | RuntimeException e) {
            // runJob has failed the job's futures; the waiting readers report it
        }
    }

    /**
     * The chunks of a job taken off the queue that a reader still waits for. While the registry stalls or fails,
     * readers keep coming and give up with EIO at the timeout, and their jobs queue up behind the slow ones:
     * fetching those when the registry is back would only hold up the reads that come then (ChunkFetcherTest:
     * ten given-up jobs fetched before a fresh read). The rest are dropped from
     * {@link #inflight}, so that the next reader of such a chunk claims it anew.
     */
    private List<Integer> stillWanted(List<Integer> job) {
        long now = System.nanoTime();
        List<Integer> wanted = new ArrayList<>(job.size());
        for (int c : job) {
            Pending[] dropped = new Pending[1];
            inflight.computeIfPresent(c, (k, pending) -> {
                if (pending.waitedUntil - now < 0) {
                    dropped[0] = pending;
                    return null;
                }
                return pending;
            });
            if (dropped[0] != null) {
                dropped[0].completeExceptionally(new ChunkUnavailableException(layer, index.chunkCompressedOffset(c),
                        "no reader waits for it any more", null));
            } else {
                wanted.add(c);
            }
        }
        return wanted;
    }

    /** A chunk being fetched, and until when its latest reader waits for it. */
    private static final class Pending extends CompletableFuture<byte[]> {
        /** A {@link System#nanoTime()} deadline; changed only inside {@code inflight}'s compute for the chunk. */
        private volatile long waitedUntil;

        Pending(long waitedUntil) {
            this.waitedUntil = waitedUntil;
        }

        void waitedFor(long deadline) {
            if (deadline - waitedUntil > 0) {
                waitedUntil = deadline;
            }
        }
    }

    /**
     * Fetches, verifies and caches the claimed chunks, completing their futures. A chunk kept in memory is handed
     * to its readers before any chunk of the job is written to disk. A job of one range hands each chunk over as soon
     * as its member has arrived and verifies, while the rest of the range is still coming: a reader of a file's first
     * pages waits for the first chunk, not for the whole file, and decoding overlaps the transfer.
     */
    private long runJob(List<Integer> job, boolean keepInMemory, long gap) throws IOException {
        MemberRuns runs = MemberRuns.of(index, job, gap, MAX_REQUEST);
        byte[][] toDisk = keepInMemory ? new byte[job.size()][] : null;
        boolean[] delivered = new boolean[job.size()];
        List<byte[]> data;
        long t0 = System.nanoTime();
        try {
            requests.incrementAndGet();
            if (runs.ranges().size() == 1) {
                ByteRange range = runs.ranges().get(0);
                data = List.of(blob.read(range, new EarlyDelivery(job, range, delivered, toDisk)));
            } else {
                data = blob.readAll(runs.ranges());
            }
        } catch (IOException | RuntimeException e) {
            IOException failure = new ChunkUnavailableException(layer, index.chunkCompressedOffset(job.get(0)),
                    "fetching " + runs.ranges() + " from " + blob + " failed: " + e.getMessage(), e);
            fail(job, failure);
            throw failure;
        }
        long bytes = 0;
        for (byte[] d : data) {
            bytes += d.length;
        }
        fetchedBytes.addAndGet(bytes);
        long fetched = System.nanoTime();
        IOException firstFailure = null;
        for (int i = 0; i < job.size(); i++) {
            if (delivered[i]) {
                continue;
            }
            int c = job.get(i);
            try {
                ByteRange r = runs.ranges().get(runs.rangeOf(index.chunkCompressedOffset(c)));
                byte[] chunk = verifiedOrRefetched(c, data.get(runs.rangeOf(index.chunkCompressedOffset(c))), r);
                deliver(c, chunk, keepInMemory);
                if (toDisk != null) {
                    toDisk[i] = chunk;
                }
            } catch (IOException | RuntimeException e) {
                Pending f = inflight.remove(c);
                if (f != null) {
                    f.completeExceptionally(e);
                }
                if (firstFailure == null) {
                    firstFailure = e instanceof IOException io ? io : new IOException(e);
                }
            }
        }
        long handed = System.nanoTime();
        if (toDisk != null) {
            for (int i = 0; i < job.size(); i++) {
                if (toDisk[i] != null) {
                    cache.putOnDisk(index.chunkDigestHex(job.get(i)), toDisk[i]);
                }
            }
        }
        if (LOG.isDebugEnabled()) {
            int early = 0;
            for (boolean d : delivered) {
                early += d ? 1 : 0;
            }
            LOG.debug("{}: {} chunks, {} bytes in {} ranges from blob offset {}: fetched in {} ms ({} chunks handed over"
                    + " while arriving), verified in {} ms, on disk in {} ms", layer, job.size(), bytes,
                    runs.ranges().size(), index.chunkCompressedOffset(job.get(0)), (fetched - t0) / 1_000_000, early,
                    (handed - fetched) / 1_000_000, (System.nanoTime() - handed) / 1_000_000);
        }
        if (firstFailure != null) {
            throw firstFailure;
        }
        return bytes;
    }

    /** Caches a verified chunk (in memory only when {@code keepInMemory}: its disk write comes later) and hands it over. */
    private void deliver(int c, byte[] chunk, boolean keepInMemory) {
        if (keepInMemory) {
            cache.putInMemory(index.chunkDigestHex(c), chunk);
        } else {
            cache.put(index.chunkDigestHex(c), chunk, false);
        }
        markPresent(c);
        Pending f = inflight.remove(c);
        if (f != null) {
            f.complete(chunk);
        }
    }

    /**
     * Hands over the chunks of a one-range job, in blob order, as their members arrive: each that decodes and
     * verifies is delivered at once; one that does not is left to the job's own loop, which fetches it again once
     * the range is in. Runs on the fetching thread.
     */
    private final class EarlyDelivery implements BlobSource.Arrivals {
        private final List<Integer> job;
        private final ByteRange range;
        private final boolean[] delivered;
        private final byte[][] toDisk;
        private int next;

        EarlyDelivery(List<Integer> job, ByteRange range, boolean[] delivered, byte[][] toDisk) {
            this.job = job;
            this.range = range;
            this.delivered = delivered;
            this.toDisk = toDisk;
        }

        @Override
        public void arrived(byte[] data, int filled) {
            while (next < job.size()) {
                int c = job.get(next);
                long from = index.chunkCompressedOffset(c) - range.offset();
                int len = index.chunkCompressedLength(c);
                if (from < 0 || from + len > filled) {
                    return; // not in yet (or, out of blob order, left to the job's loop)
                }
                try {
                    Checked checked = check(c, Arrays.copyOfRange(data, (int) from, (int) from + len));
                    if (checked.problem() == null) {
                        deliver(c, checked.data(), toDisk != null);
                        if (toDisk != null) {
                            toDisk[next] = checked.data();
                        }
                        delivered[next] = true;
                    }
                } catch (RuntimeException e) {
                    LOG.debug("{}: early hand-over of the chunk at blob offset {} failed: {}", layer,
                            index.chunkCompressedOffset(c), e.toString());
                }
                next++;
            }
        }
    }

    private void fail(List<Integer> job, IOException e) {
        for (int c : job) {
            Pending f = inflight.remove(c);
            if (f != null) {
                f.completeExceptionally(e);
            }
        }
    }

    /** Decodes and verifies a chunk from a fetched range; on a mismatch fetches its member alone once more. */
    private byte[] verifiedOrRefetched(int c, byte[] rangeData, ByteRange range) throws IOException {
        long off = index.chunkCompressedOffset(c);
        int len = index.chunkCompressedLength(c);
        int from = (int) (off - range.offset());
        byte[] member = from == 0 && len == rangeData.length ? rangeData
                : Arrays.copyOfRange(rangeData, from, from + len);
        Checked first = check(c, member);
        if (first.problem() == null) {
            return first.data();
        }
        LOG.warn("{}: chunk at blob offset {} failed verification ({}); fetching it again", layer, off,
                first.problem());
        requests.incrementAndGet();
        member = blob.read(new ByteRange(off, len));
        fetchedBytes.addAndGet(len);
        Checked second = check(c, member);
        if (second.problem() == null) {
            return second.data();
        }
        String again = second.problem();
        int file = index.fileOfChunk(c);
        long fileOffset = 0;
        for (int k = index.firstChunk(file); k < c; k++) {
            fileOffset += index.chunkSize(k);
        }
        LOG.error("layer {}: file {} at offset {} (blob offset {}): chunk failed verification twice: {}", layer,
                index.pathOf(file), fileOffset, off, again);
        throw new ChunkUnavailableException(layer, off, "file " + index.pathOf(file) + " at offset " + fileOffset
                + " failed verification: " + again, null);
    }

    /** A decoded chunk, or why the member does not yield the chunk the TOC promises. */
    private record Checked(byte[] data, String problem) {
    }

    private Checked check(int c, byte[] member) {
        byte[] data;
        try {
            data = codec.readMember(member, index.chunkInnerOffset(c), index.chunkSize(c));
        } catch (IOException | RuntimeException e) {
            return new Checked(null, "cannot decompress: " + e.getMessage() + " (expected sha256:"
                    + index.chunkDigestHex(c) + ")");
        }
        byte[] actual = Digest.newSha256().digest(data);
        if (!MessageDigest.isEqual(actual, index.chunkDigest(c))) {
            return new Checked(null, "expected sha256:" + index.chunkDigestHex(c) + ", got sha256:"
                    + HexFormat.of().formatHex(actual));
        }
        return new Checked(data, null);
    }

    private void markPresent(int c) {
        synchronized (present) {
            if (!present.get(c)) {
                present.set(c);
                presentBytes.addAndGet(index.chunkCompressedLength(c));
            }
        }
    }

    /** True when the chunk is known to be cached. */
    public boolean isPresent(int c) {
        synchronized (present) {
            return present.get(c);
        }
    }

    /** Compressed bytes of the layer's chunks that are local (fetched here or found in the shared cache). */
    public long presentBytes() {
        return presentBytes.get();
    }

    /** Readers waiting for the registry right now; background work yields while this is non-zero. */
    public int foregroundWaiting() {
        return waiting.get();
    }

    /** Range requests made so far (a multi-range request counts once). */
    public long requestCount() {
        return requests.get();
    }

    /** Chunks claimed by sequential read-ahead so far. */
    public long readAheadChunkCount() {
        return readAheadChunks.get();
    }

    /** Compressed bytes received so far. */
    public long fetchedBytes() {
        return fetchedBytes.get();
    }

    /** The index this fetcher serves. */
    public LayerIndex index() {
        return index;
    }

    @Override
    public void close() {
        pool.shutdownNow();
        fail(List.copyOf(inflight.keySet()), new ChunkUnavailableException(layer, -1, "layer unmounted", null));
    }
}
