package dev.estargz.fusefs.mount;

import dev.estargz.format.reader.EStargzReader;
import dev.estargz.format.reader.ReaderOptions;
import dev.estargz.fusefs.cache.ChunkCache;
import dev.estargz.fusefs.fetch.ChunkFetcher;
import dev.estargz.fusefs.fetch.ForegroundActivity;
import dev.estargz.fusefs.fetch.OnDemandEvents;
import dev.estargz.fusefs.fetch.ServingThreads;
import dev.estargz.fusefs.fs.LayerFileSystem;
import dev.estargz.fusefs.index.LayerIndex;
import dev.estargz.fusefs.prefetch.LayerPrefetch;
import dev.estargz.registry.ByteRange;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A layer ready to serve, without FUSE: its index, fetcher, prefetch thread and filesystem. Mounting wraps this;
 * tests and benchmarks can read through {@link #fileSystem()} directly.
 */
public final class OpenedLayer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(OpenedLayer.class);

    private final LayerSource source;
    private final long blobSize;
    private final long metadataBytes;
    private final LayerIndex index;
    private final ChunkFetcher fetcher;
    private final LayerPrefetch prefetch;
    private final LayerFileSystem fs;
    private final FsOptions options;
    private volatile boolean prefetchDone;

    private OpenedLayer(LayerSource source, long blobSize, long metadataBytes, LayerIndex index,
            ChunkFetcher fetcher, LayerPrefetch prefetch, FsOptions options, OnDemandEvents events) {
        this.source = source;
        this.blobSize = blobSize;
        this.metadataBytes = metadataBytes;
        this.index = index;
        this.fetcher = fetcher;
        this.prefetch = prefetch;
        this.options = options;
        this.fs = new LayerFileSystem(source.layerDigest().toString(), index, fetcher,
                () -> state().json().getBytes(StandardCharsets.UTF_8), events);
    }

    /**
     * Reads the footer and TOC (checking the TOC against {@code source.tocDigest()}), builds the index and starts
     * the prefetch thread. {@code parsed}, when not null, is the same blob's footer and TOC read already (by the
     * resolver, which needed the prefetch landmark): the TOC is then checked, not parsed again.
     *
     * @throws dev.estargz.format.InvalidLayerException when the layer is not a valid eStargz layer or its TOC does
     *                                                  not match the promised digest
     */
    static OpenedLayer open(LayerSource source, EStargzReader parsed, ChunkCache cache, FsOptions options,
            OnDemandEvents events, Semaphore backgroundSlots, ForegroundActivity activity) throws IOException {
        String name = source.layerDigest().toString();
        long t0 = System.nanoTime();
        EStargzReader reader = parsed != null ? parsed : EStargzReader.open(source.blob(),
                new ReaderOptions(ReaderOptions.DEFAULT_TAIL_SIZE, ReaderOptions.DEFAULT_MAX_TOC_SIZE, name));
        if (source.tocDigest() != null) {
            reader.verifyToc(source.tocDigest());
        } else {
            // Callers that serve such a layer to users say so themselves; prefetching another layer's chunks ahead
            // of its mount does this on purpose (every chunk is still verified against its own digest).
            LOG.debug("{}: no TOC digest given; using the TOC as found, unverified", name);
        }
        LayerIndex index = LayerIndex.build(reader, options.opaque());
        long prefetchEnd = prefetchEnd(reader, options);
        long blobSize = reader.blobSize();
        long metadata = blobSize - reader.tocOffset();
        ChunkFetcher fetcher = new ChunkFetcher(name, source.blob(), index, reader.codec(), cache, options.fetch(),
                events, activity);
        LayerPrefetch prefetch = new LayerPrefetch(shortDigest(source), fetcher, prefetchEnd,
                !options.noBackgroundFetch(), options.backgroundBandwidth(), backgroundSlots, activity);
        OpenedLayer layer = new OpenedLayer(source, blobSize, metadata, index, fetcher, prefetch, options, events);
        LOG.info("{}: opened ({} TOC entries, {} chunks, index {} bytes, prefetch {} bytes) in {} ms", name,
                index.tocEntries(), index.chunkCount(), index.heapBytes(), prefetchEnd,
                (System.nanoTime() - t0) / 1_000_000);
        prefetch.start();
        return layer;
    }

    /** The landmark's offset; none with {@code .no.prefetch.landmark}; {@code prefetch_size} otherwise. */
    private static long prefetchEnd(EStargzReader reader, FsOptions options) {
        if (options.noPrefetch()) {
            return 0;
        }
        return reader.prefetchSize().orElse(Math.min(options.prefetchSize(), reader.tocOffset()));
    }

    private static String shortDigest(LayerSource s) {
        String hex = s.layerDigest().hex();
        return hex.substring(0, Math.min(12, hex.length()));
    }

    public LayerFileSystem fileSystem() {
        return fs;
    }

    public LayerIndex index() {
        return index;
    }

    public LayerSource source() {
        return source;
    }

    /** Current progress (what the state file shows). */
    public LayerState state() {
        long fetched = Math.min(blobSize, metadataBytes + fetcher.presentBytes());
        double pct = blobSize == 0 ? 100.0 : fetched * 100.0 / blobSize;
        return new LayerState(source.layerDigest(), blobSize, fetched, pct, prefetchDone, fetcher.requestCount());
    }

    /** Waits until the prioritised region is cached; true when it finished within {@code limit}. */
    public boolean awaitPrefetch(Duration limit) throws InterruptedException {
        boolean done = prefetch.awaitPrefetch(limit);
        prefetchDone |= done;
        return done;
    }

    /** Waits until prefetch and background fetch have ended. */
    public boolean awaitBackgroundFetch(Duration limit) throws InterruptedException {
        return prefetch.awaitFinished(limit);
    }

    /**
     * Checks that the blob is still reachable (one small range read), as the reference's {@code Check} does, within
     * the fetch timeout.
     */
    public void check() throws IOException {
        CompletableFuture<byte[]> f = CompletableFuture.supplyAsync(() -> {
            try {
                return source.blob().read(new ByteRange(blobSize - 1, 1));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, r -> {
            ServingThreads.create(r, "estargz-check-" + shortDigest(source)).start();
        });
        try {
            f.get(options.fetch().timeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new IOException(source.layerDigest() + ": " + source.blob() + " did not answer within "
                    + options.fetch().timeout().toMillis() + " ms");
        } catch (ExecutionException e) {
            throw new IOException(source.layerDigest() + ": " + source.blob() + " is unreachable: "
                    + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while checking " + source.layerDigest());
        }
    }

    /** Stops prefetching and fails reads still waiting; does not close the blob source (the caller owns it). */
    @Override
    public void close() {
        prefetch.close();
        fetcher.close();
    }
}
