package dev.estargz.snapshotter.layerstore;

import dev.estargz.fusefs.cache.ChunkCache;
import dev.estargz.fusefs.fetch.ForegroundActivity;
import dev.estargz.fusefs.fetch.ServingThreads;
import dev.estargz.fusefs.mount.LayerMounter;
import dev.estargz.fusefs.mount.LayerSource;
import dev.estargz.fusefs.mount.OpenedLayer;
import dev.estargz.registry.Digest;
import dev.estargz.registry.RegistryClient;
import dev.estargz.registry.auth.CredentialStore;
import dev.estargz.registry.manifest.Descriptor;
import dev.estargz.registry.reference.ImageReference;
import dev.estargz.snapshotter.config.DaemonConfig;
import dev.estargz.snapshotter.remote.LayerLabels;
import dev.estargz.snapshotter.remote.stargz.LayerEvents;
import dev.estargz.snapshotter.remote.stargz.LayerResolver;
import dev.estargz.snapshotter.remote.stargz.StargzSettings;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The layers of the store, as the reference's layer manager keeps them: an image's manifest and config are fetched
 * once per {@link #IMAGE_TTL}; a layer is opened (resolved, its TOC checked against the manifest's TOC digest,
 * prefetch and background fetch started) the first time its {@code diff} or {@code blob} is looked up, and stays
 * open until containers/storage releases its last use. All layers share one chunk cache. Thread-safe.
 */
final class StoreLayers implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StoreLayers.class);
    /** How long an image's manifest and config are reused (the reference's {@code defaultManifestCacheTime}). */
    static final Duration IMAGE_TTL = Duration.ofSeconds(120);
    /** The reference's resolve timeout. */
    private static final Duration RESOLVE_TIMEOUT = Duration.ofSeconds(30);

    private final DaemonConfig config;
    private final RegistryClient client;
    private final LayerResolver resolver;
    private final LayerMounter mounter;
    private final ConcurrentHashMap<String, TimedImage> images = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<LayerKey, CompletableFuture<StoreLayer>> layers = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Integer, StoreLayer> bySlot = new ConcurrentHashMap<>();
    /** Uses containers/storage announced ({@code use}) and has not released ({@code rmdir}); guarded by itself. */
    private final Map<LayerKey, Integer> uses = new HashMap<>();
    private final AtomicInteger nextSlot = new AtomicInteger(1);
    /**
     * Opening a layer and fetching an image wait on the registry, and an open waits for its image: threads of their
     * own (not the bounded resolve pool an open also waits on, not the common pool), one per layer or image asked
     * for at once.
     */
    private final ExecutorService opening = Executors.newCachedThreadPool(
            ServingThreads.numbered("estargz-store-open-"));

    private record TimedImage(CompletableFuture<ImageLayers> image, long fetchedNanos) {
    }

    StoreLayers(DaemonConfig config, RegistryClient client, ChunkCache cache) {
        this.config = config;
        this.client = client;
        this.resolver = new LayerResolver(client, Duration.ofSeconds(Math.max(1, config.resolveResultEntryTtlSec())),
                (int) Math.max(2, Math.min(16, config.maxConcurrency())), LayerEvents.NONE);
        this.mounter = new LayerMounter(cache, StargzSettings.fsOptions(config),
                new ForegroundActivity(ForegroundActivity.DEFAULT_SILENCE));
    }

    /** The store's layers under {@code root}: the chunk cache there, the registry client of {@code config}. */
    static StoreLayers open(DaemonConfig config, Path root) throws IOException {
        ChunkCache cache = ChunkCache.open(StargzSettings.cacheOptions(config, root));
        RegistryClient client = RegistryClient.create(StargzSettings.registryConfig(config,
                CredentialStore.anonymous()));
        return new StoreLayers(config, client, cache);
    }

    /** The {@code info} file of a layer. */
    byte[] info(LayerKey key) throws IOException {
        return LayerInfo.of(image(key.ref()), key.digest());
    }

    /** The layer, opened now unless it is open or being opened. */
    StoreLayer layer(LayerKey key) throws IOException {
        CompletableFuture<StoreLayer> f = layers.computeIfAbsent(key,
                k -> CompletableFuture.supplyAsync(() -> openLayer(k), opening));
        return await(f, key + ": not resolved", key + ": ", () -> layers.remove(key, f));
    }

    /** A layer by its slot, or null when it was released. */
    StoreLayer bySlot(int slot) {
        return bySlot.get(slot);
    }

    /** The layers open now. */
    List<StoreLayer> open() {
        return new ArrayList<>(bySlot.values());
    }

    /** containers/storage uses the layer (created {@code use}); returns the uses now. */
    int use(LayerKey key) {
        synchronized (uses) {
            int n = uses.merge(key, 1, Integer::sum);
            LOG.info("layer {} is marked as USING ({} uses)", key, n);
            return n;
        }
    }

    /**
     * containers/storage no longer uses the layer (removed its directory); at no uses left the layer is closed. A
     * release of a layer with no uses counted (the store restarted since the use was announced) closes it too.
     */
    int release(LayerKey key) {
        int left;
        synchronized (uses) {
            Integer n = uses.get(key);
            left = n == null ? 0 : n - 1;
            if (left > 0) {
                uses.put(key, left);
            } else {
                uses.remove(key);
            }
            if (n == null) {
                LOG.info("layer {} is released but had no uses counted (announced before a restart?)", key);
            } else {
                LOG.info("layer {} is marked as RELEASE ({} uses left)", key, left);
            }
        }
        if (left == 0) {
            CompletableFuture<StoreLayer> f = layers.remove(key);
            if (f != null && f.isDone() && !f.isCompletedExceptionally()) {
                StoreLayer l = f.join();
                bySlot.remove(l.slot());
                l.layer().close();
                LOG.info("layer {} is released due to no reference", key);
            }
        }
        return left;
    }

    private ImageLayers image(ImageReference ref) throws IOException {
        String k = ref.toString();
        long now = System.nanoTime();
        TimedImage t = images.compute(k, (key, old) -> old != null && now - old.fetchedNanos() < IMAGE_TTL.toNanos()
                ? old : new TimedImage(CompletableFuture.supplyAsync(() -> {
                    try {
                        return ImageLayers.fetch(client, ref);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }, opening), now));
        return await(t.image(), ref + ": manifest and config not fetched",
                ref + ": failed to get manifest and config: ", () -> images.remove(k, t));
    }

    /**
     * Waits for {@code f} up to the resolve timeout. When it failed, {@code forget} drops it so that the next call
     * tries again, and the error is {@code failurePrefix} and the cause's message.
     */
    private static <T> T await(CompletableFuture<T> f, String notDone, String failurePrefix, Runnable forget)
            throws IOException {
        try {
            return f.get(RESOLVE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new IOException(notDone + " within " + RESOLVE_TIMEOUT.toSeconds() + " s");
        } catch (ExecutionException e) {
            forget.run();
            Throwable cause = unwrap(e.getCause());
            throw new IOException(failurePrefix + cause.getMessage(), cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting: " + notDone);
        }
    }

    /** The I/O error a task wrapped to pass it through a {@link CompletableFuture}. */
    private static Throwable unwrap(Throwable t) {
        return t instanceof UncheckedIOException u ? u.getCause() : t;
    }

    private StoreLayer openLayer(LayerKey key) {
        try {
            ImageLayers image = image(key.ref());
            int at = image.indexOf(key.digest()).orElseThrow(() -> new IOException("unknown digest " + key.digest()
                    + " for ref " + key.refText()));
            Descriptor target = image.layers().get(at);
            Digest toc = tocDigest(target);
            // the other layers' footers and TOCs come in parallel, as containers/storage asks for them in turn
            for (Descriptor other : image.layers()) {
                if (!other.digest().equals(key.digest())) {
                    resolver.resolve(key.ref(), other.digest());
                }
            }
            LayerResolver.Resolved resolved = resolver.resolve(key.ref(), key.digest()).join();
            OpenedLayer opened = mounter.open(new LayerSource(resolved.blob(), key.digest(), toc),
                    resolved.takeParsed());
            StoreLayer layer = new StoreLayer(nextSlot.getAndIncrement(), key, opened, resolved.blob(),
                    resolved.blob().size());
            bySlot.put(layer.slot(), layer);
            LOG.info("layer {} is served lazily (slot {})", key, layer.slot());
            return layer;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (CompletionException e) {
            Throwable c = unwrap(e.getCause());
            throw new UncheckedIOException(c instanceof IOException io ? io : new IOException(c.getMessage(), c));
        }
    }

    /** The TOC digest the manifest promises; null only with {@code disable_verification}. */
    private Digest tocDigest(Descriptor layer) throws IOException {
        if (config.disableVerification()) {
            return null;
        }
        String v = layer.annotations().get(LayerLabels.TOC_DIGEST);
        if (v == null) {
            throw new IOException("digest of TOC JSON must be passed (layer annotation " + LayerLabels.TOC_DIGEST
                    + " is missing: not an eStargz layer?)");
        }
        try {
            return Digest.parse(v);
        } catch (IllegalArgumentException e) {
            throw new IOException("invalid TOC digest " + v + ": " + e.getMessage(), e);
        }
    }

    /** Closes every layer and the registry client. */
    @Override
    public void close() {
        for (StoreLayer l : open()) {
            l.layer().close();
        }
        bySlot.clear();
        opening.shutdownNow();
        resolver.close();
        client.close();
    }
}
