package dev.estargz.snapshotter.remote.stargz;

import dev.estargz.format.footer.Footers;
import dev.estargz.format.reader.EStargzReader;
import dev.estargz.format.reader.ReaderOptions;
import dev.estargz.fusefs.fetch.ServingThreads;
import dev.estargz.registry.Digest;
import dev.estargz.registry.RegistryClient;
import dev.estargz.registry.blob.RegistryBlobSource;
import dev.estargz.registry.manifest.Descriptor;
import dev.estargz.registry.manifest.MediaTypes;
import dev.estargz.registry.reference.ImageReference;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Finds a layer in its registry and reads its footer and TOC (the reference's "resolve"): the blob's size and the
 * tail the TOC reader needs in one suffix-range request (then the rest of the TOC if it starts earlier), kept in
 * memory so that mounting the layer costs no further request.
 * Results are kept for {@code resolve_result_entry_ttl_sec} so the other layers of an image can be resolved ahead
 * of containerd asking for them, in parallel on a bounded pool.
 */
public final class LayerResolver implements AutoCloseable {
    /** What the TOC reader reads first: the footer and the tail before it. */
    private static final int TAIL_LENGTH = ReaderOptions.DEFAULT_TAIL_SIZE + Footers.MAX_SIZE;
    private final RegistryClient client;
    private final Duration ttl;
    private final ExecutorService pool;
    private final LayerEvents events;
    private final ConcurrentHashMap<String, Entry> cache = new ConcurrentHashMap<>();

    /**
     * A resolved layer.
     *
     * @param blob         the registry blob with its footer and TOC held locally
     * @param prefetchSize the landmark's offset, if the layer has one
     */
    public record Resolved(ImageReference ref, Digest digest, RecordingBlobSource blob, Optional<Long> prefetchSize,
            AtomicReference<EStargzReader> parsed) {

        /**
         * The footer and TOC read while resolving, for the first caller only (a mount, which then does not parse
         * the TOC again); null afterwards, so that a parsed TOC is not held for the whole cache TTL.
         */
        public EStargzReader takeParsed() {
            return parsed.getAndSet(null);
        }
    }

    private record Entry(CompletableFuture<Resolved> future, long createdNanos) {
    }

    public LayerResolver(RegistryClient client, Duration ttl, int threads, LayerEvents events) {
        this.client = client;
        this.ttl = ttl;
        this.events = events;
        this.pool = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                ServingThreads.numbered("estargz-resolve-"));
        ((ThreadPoolExecutor) pool).allowCoreThreadTimeOut(true);
    }

    /**
     * The layer's resolution, started now unless one is under way or fresh. A failed resolution is forgotten, so
     * the next call tries again. The blob source may be shared by several mounts of the same layer.
     */
    public CompletableFuture<Resolved> resolve(ImageReference ref, Digest digest) {
        String key = ref.registry() + "/" + ref.repository() + "@" + digest;
        long now = System.nanoTime();
        Entry e = cache.compute(key, (k, old) -> old != null && now - old.createdNanos() < ttl.toNanos()
                ? old : new Entry(CompletableFuture.supplyAsync(() -> fetch(ref, digest), pool), now));
        e.future().whenComplete((r, t) -> {
            if (t != null) {
                cache.remove(key, e);
            }
        });
        return e.future();
    }

    /** Starts resolving {@code digests} in the background (pre-resolve the image's other layers). */
    void resolveAhead(ImageReference ref, List<Digest> digests) {
        for (Digest d : digests) {
            resolve(ref, d);
        }
    }

    /** Runs {@code task} on the resolve pool (bounded by {@code max_concurrency}). */
    CompletableFuture<Void> submit(Runnable task) {
        return CompletableFuture.runAsync(task, pool);
    }

    private Resolved fetch(ImageReference ref, Digest digest) {
        long t0 = System.nanoTime();
        try {
            // the footer and the TOC's end in the same request that sizes the blob: no HEAD round trip first
            RegistryClient.OpenedBlobTail opened = client.openBlobTail(ref, digest, TAIL_LENGTH);
            RegistryBlobSource remote = opened.blob();
            RecordingBlobSource blob = RecordingBlobSource.answeredWithTail(remote, remote.size(),
                    new RecordingBlobSource.LocalSpan(opened.tail().offset(), opened.tail().bytes()));
            return open(ref, digest, blob, t0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Opens a blob whose size is known (restore: no HEAD request). */
    RecordingBlobSource blobOfKnownSize(ImageReference ref, Digest digest, long size,
            List<RecordingBlobSource.LocalSpan> saved) {
        RegistryBlobSource remote = client.openBlob(ref, new Descriptor(MediaTypes.OCI_LAYER_GZIP, digest, size));
        return new RecordingBlobSource(remote, size, saved);
    }

    private Resolved open(ImageReference ref, Digest digest, RecordingBlobSource blob, long t0) throws IOException {
        blob.recordCurrentThread();
        EStargzReader reader;
        try {
            reader = EStargzReader.open(blob, ReaderOptions.defaults().withLayerName(digest.toString()));
        } finally {
            blob.stopRecording();
        }
        events.operation(LayerEvents.REMOTE_REGISTRY_GET, digest, Duration.ofNanos(System.nanoTime() - t0));
        return new Resolved(ref, digest, blob, reader.prefetchSize(), new AtomicReference<>(reader));
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
