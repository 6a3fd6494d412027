package dev.estargz.snapshotter.remote.stargz;

import dev.estargz.format.DigestMismatchException;
import dev.estargz.format.InvalidLayerException;
import dev.estargz.format.reader.EStargzReader;
import dev.estargz.fusefs.cache.ChunkCache;
import dev.estargz.fusefs.fetch.ForegroundActivity;
import dev.estargz.fusefs.fuse.FuseMount;
import dev.estargz.fusefs.fuse.MountTable;
import dev.estargz.fusefs.mount.FsOptions;
import dev.estargz.fusefs.mount.LayerMounter;
import dev.estargz.fusefs.mount.LayerState;
import dev.estargz.fusefs.mount.MountedLayer;
import dev.estargz.fusefs.mount.OpenedLayer;
import dev.estargz.fusefs.mount.ScratchDirectories;
import dev.estargz.fusefs.mount.WarmUp;
import dev.estargz.registry.Digest;
import dev.estargz.registry.RegistryClient;
import dev.estargz.registry.RegistryException;
import dev.estargz.registry.auth.CredentialStore;
import dev.estargz.registry.reference.ImageReference;
import dev.estargz.snapshotter.config.DaemonConfig;
import dev.estargz.snapshotter.remote.FallbackReason;
import dev.estargz.snapshotter.remote.InvalidLayerLabelsException;
import dev.estargz.snapshotter.remote.LayerSource;
import dev.estargz.snapshotter.remote.LayerUnavailableException;
import dev.estargz.snapshotter.remote.MountOutcome;
import dev.estargz.snapshotter.remote.RemoteLayerMounter;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lazily pulled layers for the snapshotter: resolves a layer from containerd's labels in its registry, checks
 * its TOC digest, mounts it with FUSE (fuse-fs) at the snapshot's {@code fs} directory, saves what a restart needs
 * next to it, and resolves and prefetches the image's other layers ahead. One shared chunk cache serves all
 * layers. Thread-safe.
 */
public final class StargzLayerMounter implements RemoteLayerMounter, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StargzLayerMounter.class);
    /** The reference's hard-coded resolve timeout in Mount. */
    private static final Duration RESOLVE_TIMEOUT = Duration.ofSeconds(30);
    /** Longest a Check waits for the registry to answer. */
    private static final Duration CHECK_TIMEOUT = Duration.ofSeconds(10);

    private final DaemonConfig config;
    private final RegistryClient client;
    private final ChunkCache cache;
    private final LayerMounter mounter;
    private final LayerMounter prefetcher;
    private final LayerResolver resolver;
    private final LayerEvents events;
    private final LayerWatch watch;
    private final ConcurrentHashMap<Path, ServedLayer> served = new ConcurrentHashMap<>();
    private final Set<Digest> prefetchedAhead = ConcurrentHashMap.newKeySet();
    /**
     * Mounts waiting for their own layer's resolve; prefetching other layers ahead waits until there are none, so
     * that it does not share the link with the footer and TOC a Prepare waits for (on a 100 Mbit/s link a busybox
     * layer's 1 MB prioritised region, fetched ahead, held the first layer's TOC back by ~60 ms).
     */
    private final Object resolvingLock = new Object();
    private int mountsResolving;

    private StargzLayerMounter(DaemonConfig config, RegistryClient client, ChunkCache cache, LayerEvents events) {
        this.config = config;
        this.client = client;
        this.cache = cache;
        this.events = events;
        FsOptions fs = StargzSettings.fsOptions(config);
        // one foreground for every layer: a background fetch holds back while any container waits, as the
        // reference's background task manager does
        ForegroundActivity activity = new ForegroundActivity(ForegroundActivity.DEFAULT_SILENCE);
        this.mounter = new LayerMounter(cache, fs, activity);
        this.prefetcher = new LayerMounter(cache, fs.withNoBackgroundFetch(true), activity);
        this.resolver = new LayerResolver(client, Duration.ofSeconds(Math.max(1, config.resolveResultEntryTtlSec())),
                (int) Math.max(2, Math.min(16, config.maxConcurrency())), events);
        this.watch = new LayerWatch(served::values, events, !config.noBackgroundFetch());
    }

    /**
     * Opens the shared cache and registry client and removes dead FUSE mounts of ours under
     * {@code <root>/snapshotter/snapshots} (left by a killed daemon), before snapshots are restored.
     */
    public static StargzLayerMounter open(DaemonConfig config, Path root, LayerEvents events) throws IOException {
        return open(config, root, events, CredentialStore.anonymous());
    }

    /** As {@link #open(DaemonConfig, Path, LayerEvents)}, with {@code credentials} after the docker config's. */
    public static StargzLayerMounter open(DaemonConfig config, Path root, LayerEvents events,
                                          CredentialStore credentials) throws IOException {
        Path snapshots = root.resolve("snapshotter").resolve("snapshots");
        if (snapshots.toFile().isDirectory()) {
            for (Path p : FuseMount.removeStaleMounts(snapshots)) {
                LOG.info("removed dead layer mount {} left by an earlier run", p);
            }
        }
        ChunkCache cache = ChunkCache.open(StargzSettings.cacheOptions(config, root));
        RegistryClient client = RegistryClient.create(StargzSettings.registryConfig(config, credentials));
        return new StargzLayerMounter(config, client, cache, events);
    }

    /**
     * Saves and loads a stand-in layer under {@code scratchParent} (a scratch directory named as the fuse-fs warm-up's,
     * so that one killed midway is cleaned up by the next warm-up): the first real mount's save then runs on warm
     * code. Failures are logged, never thrown.
     */
    public static void warmUpSaves(Path scratchParent) {
        Path dir = null;
        try {
            dir = ScratchDirectories.create(scratchParent, WarmUp.DIR_PREFIX);
            SavedLayer.warmUp(dir);
        } catch (IOException | RuntimeException e) {
            LOG.info("warm-up of the saved layers skipped ({}); the first mount will be slower", e.toString());
        } finally {
            if (dir != null) {
                ScratchDirectories.delete(dir);
            }
        }
    }

    @Override
    public MountOutcome mount(Path mountpoint, Map<String, String> labels) {
        long t0 = System.nanoTime();
        LayerSource source;
        ImageReference ref;
        try {
            source = LayerSource.fromLabels(labels);
            ref = ImageReference.parse(source.imageRef());
        } catch (InvalidLayerLabelsException | IllegalArgumentException e) {
            return new MountOutcome.NotMounted(FallbackReason.MISSING_LABELS, e.getMessage());
        }
        String what = "layer " + source.target() + " of " + source.imageRef();
        LOG.debug("resolving {} from the {} label set", what, source.labelSet());
        resolveOthersAhead(ref, source);
        LayerResolver.Resolved resolved;
        synchronized (resolvingLock) {
            mountsResolving++;
        }
        try {
            resolved = resolver.resolve(ref, source.target()).get(RESOLVE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return new MountOutcome.NotMounted(FallbackReason.TIMEOUT, what + " was not resolved within "
                    + RESOLVE_TIMEOUT.toSeconds() + " s");
        } catch (ExecutionException e) {
            Throwable cause = unwrap(e);
            return new MountOutcome.NotMounted(reason(cause), what + ": " + cause.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new MountOutcome.NotMounted(FallbackReason.FAILED, what + ": interrupted while resolving");
        } finally {
            synchronized (resolvingLock) {
                if (--mountsResolving == 0) {
                    resolvingLock.notifyAll();
                }
            }
        }
        Digest toc = source.tocDigest().orElse(null);
        if (config.disableVerification()) {
            toc = null;
        } else if (toc == null && !(config.allowNoVerification() && source.skipVerify())) {
            return new MountOutcome.NotMounted(FallbackReason.TOC_DIGEST_MISSING, what + ": digest of TOC JSON must"
                    + " be passed (layer annotation containerd.io/snapshot/stargz/toc.digest is missing)");
        }
        return mountResolved(mountpoint, source.imageRef(), ref, source.target(), resolved.blob(),
                resolved.takeParsed(), toc, true, t0);
    }

    private MountOutcome mountResolved(Path mountpoint, String imageRef, ImageReference ref, Digest digest,
            RecordingBlobSource blob, EStargzReader parsed, Digest toc, boolean save, long t0) {
        String what = "layer " + digest + " of " + imageRef;
        MountedLayer layer;
        try {
            layer = mounter.mount(new dev.estargz.fusefs.mount.LayerSource(blob, digest, toc), parsed, mountpoint,
                    events.onDemand(digest));
        } catch (IOException | RuntimeException e) {
            return new MountOutcome.NotMounted(reason(e), what + ": " + e.getMessage());
        }
        if (toc == null) {
            LOG.warn("{}: mounted without checking its TOC against a digest ({})", what,
                    config.disableVerification() ? "disable_verification = true" : "the skip-verify label is set");
        }
        if (save) {
            try {
                new SavedLayer(imageRef, digest, toc, blob.size(), blob.localSpans()).save(SavedLayer.dirOf(mountpoint));
            } catch (IOException e) {
                // not fatal: a restart will then resolve the layer from the registry again
                LOG.warn("{}: cannot save the layer's TOC for restarts: {}", what, e.toString());
            }
        }
        served.put(key(mountpoint), new ServedLayer(layer, ref, digest, blob, t0));
        events.operation(LayerEvents.MOUNT, digest, Duration.ofNanos(System.nanoTime() - t0));
        watch.ensureRunning();
        LOG.info("{}: mounted lazily at {}", what, mountpoint);
        return MountOutcome.mounted();
    }

    /** Resolves the image's other layers in parallel and prefetches their prioritised regions into the cache. */
    private void resolveOthersAhead(ImageReference ref, LayerSource source) {
        for (LayerSource.OtherLayer other : source.otherLayers()) {
            Digest d = other.digest();
            if (!prefetchedAhead.add(d)) {
                continue;
            }
            resolver.resolve(ref, d).thenAccept(r -> {
                if (!config.noPrefetch() && r.prefetchSize().orElse(config.prefetchSize()) > 0 && !isServed(d)) {
                    resolver.submit(() -> prefetchOnly(r));
                }
            }).exceptionally(t -> {
                prefetchedAhead.remove(d);
                LOG.debug("pre-resolving layer {} of {} failed: {}", d, ref, unwrap(t).getMessage());
                return null;
            });
        }
    }

    private void prefetchOnly(LayerResolver.Resolved r) {
        // The TOC of another layer is not verified (its digest is in its own labels only), but every chunk put in
        // the cache is verified against its own digest, which is also its cache key: nothing wrong can be served.
        try {
            awaitNoMountResolving();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        if (isServed(r.digest())) {
            return; // mounted meanwhile: its own prefetch fetches the region, two fetchers would fetch it twice
        }
        try (OpenedLayer layer = prefetcher.open(new dev.estargz.fusefs.mount.LayerSource(r.blob(), r.digest(), null))) {
            layer.awaitPrefetch(Duration.ofSeconds(Math.max(1, config.prefetchTimeoutSec()) * 6));
        } catch (IOException e) {
            LOG.debug("prefetching layer {} ahead failed: {}", r.digest(), e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits until no mount waits for its resolve, for at most the resolve timeout. */
    private void awaitNoMountResolving() throws InterruptedException {
        long deadline = System.nanoTime() + RESOLVE_TIMEOUT.toNanos();
        synchronized (resolvingLock) {
            long left;
            while (mountsResolving > 0 && (left = deadline - System.nanoTime()) > 0) {
                TimeUnit.NANOSECONDS.timedWait(resolvingLock, left);
            }
        }
    }

    private boolean isServed(Digest d) {
        return served.values().stream().anyMatch(s -> s.digest().equals(d));
    }

    @Override
    public void check(Path mountpoint, Map<String, String> labels) throws LayerUnavailableException {
        mounter.activity().touch();
        ServedLayer s = served.get(key(mountpoint));
        if (s == null) {
            throw new LayerUnavailableException(mountpoint, "not mounted (its restore failed; remove the snapshot"
                    + " or pull the image again)", null);
        }
        if (!s.layer().isServing()) {
            throw new LayerUnavailableException(mountpoint, "its FUSE mount is gone", null);
        }
        LayerState state = s.layer().state();
        if (state.fetchedSize() < state.size() && s.needsRecheck(config.blob())) {
            try {
                resolver.submit(() -> {
                    try {
                        s.blob().probeRemote();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }).get(CHECK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                s.checked();
            } catch (TimeoutException e) {
                throw new LayerUnavailableException(mountpoint, "layer " + s.digest() + " is not fully cached and "
                        + "its registry did not answer within " + CHECK_TIMEOUT.toSeconds() + " s", e);
            } catch (ExecutionException e) {
                throw new LayerUnavailableException(mountpoint, "layer " + s.digest() + " is not fully cached and "
                        + "its registry is unreachable: " + unwrap(e).getMessage(), unwrap(e));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new LayerUnavailableException(mountpoint, "interrupted", e);
            }
        }
        try {
            if (!s.layer().awaitPrefetch(Duration.ofSeconds(Math.max(0, config.prefetchTimeoutSec())))) {
                LOG.info("layer {}: prefetch still running after {} s; starting anyway", s.digest(),
                        config.prefetchTimeoutSec());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * {@inheritDoc} A layer this instance already serves with a live mount is kept as it is (a daemon restarted
     * while the fuse manager kept serving: running containers' overlays point at that very mount). Anything else
     * mounted there (a dead mount of a killed process) is unmounted first.
     */
    @Override
    public MountOutcome restore(Path mountpoint, Map<String, String> labels) {
        long t0 = System.nanoTime();
        if (isServing(mountpoint)) {
            LOG.info("layer at {} is still served; kept as it is", mountpoint);
            return MountOutcome.mounted();
        }
        unmount(mountpoint);
        SavedLayer saved;
        try {
            saved = SavedLayer.load(SavedLayer.dirOf(mountpoint));
        } catch (NoSuchFileException e) {
            LOG.info("no saved TOC for the remote snapshot at {}; resolving it in the registry", mountpoint);
            return mount(mountpoint, labels);
        } catch (IOException e) {
            LOG.warn("the saved TOC for the remote snapshot at {} is unreadable ({}); resolving it in the registry",
                    mountpoint, e.getMessage());
            return mount(mountpoint, labels);
        }
        ImageReference ref;
        try {
            ref = ImageReference.parse(saved.imageRef());
        } catch (IllegalArgumentException e) {
            return new MountOutcome.NotMounted(FallbackReason.MISSING_LABELS, e.getMessage());
        }
        RecordingBlobSource blob = resolver.blobOfKnownSize(ref, saved.layerDigest(), saved.blobSize(), saved.spans());
        MountOutcome outcome = mountResolved(mountpoint, saved.imageRef(), ref, saved.layerDigest(), blob, null,
                saved.tocDigest(), false, t0);
        if (outcome instanceof MountOutcome.NotMounted failed) {
            // e.g. a saved TOC torn by a power loss (saves are not synced): the registry has the layer
            LOG.warn("the remote snapshot at {} does not mount from its saved TOC ({}); resolving it in the registry",
                    mountpoint, failed.detail());
            return mount(mountpoint, labels);
        }
        return outcome;
    }

    @Override
    public void unmount(Path mountpoint) {
        Path mp = key(mountpoint);
        ServedLayer s = served.remove(mp);
        if (s != null) {
            try {
                s.layer().close();
            } catch (IOException | RuntimeException e) {
                LOG.warn("unmounting layer {} at {}: {}", s.digest(), mp, e.toString());
            }
        }
        try {
            if (MountTable.isMountPoint(mp)) {
                FuseMount.forceUnmount(mp);
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("unmounting {}: {}", mp, e.toString());
        }
    }

    /** True when this instance serves a layer at {@code mountpoint} and its FUSE mount is alive. */
    public boolean isServing(Path mountpoint) {
        ServedLayer s = served.get(key(mountpoint));
        return s != null && s.layer().isServing();
    }

    /** The mountpoints of every layer this instance serves. */
    public List<Path> mountpoints() {
        return List.copyOf(served.keySet());
    }

    /** Progress of every mounted layer (for metrics). */
    public List<LayerState> layerStates() {
        List<LayerState> out = new ArrayList<>();
        for (ServedLayer s : served.values()) {
            out.add(s.layer().state());
        }
        return out;
    }

    /** Usage of the shared chunk cache (for metrics). */
    public ChunkCache.Usage cacheUsage() {
        return cache.usage();
    }

    /** Unmounts every layer (snapshots, saved TOCs and the cache stay for the next start). */
    @Override
    public void close() {
        watch.close();
        for (Path mp : List.copyOf(served.keySet())) {
            unmount(mp);
        }
        resolver.close();
        client.close();
    }

    private static Path key(Path mountpoint) {
        return mountpoint.toAbsolutePath().normalize();
    }

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof ExecutionException || t instanceof CompletionException
                || t instanceof UncheckedIOException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /** Which fallback a failure to resolve or mount is. */
    static FallbackReason reason(Throwable t) {
        if (t instanceof DigestMismatchException) {
            return FallbackReason.TOC_DIGEST_MISMATCH;
        }
        if (t instanceof InvalidLayerException) {
            return FallbackReason.NOT_ESTARGZ;
        }
        if (t instanceof RegistryException) {
            return FallbackReason.REGISTRY_ERROR;
        }
        if (t instanceof InterruptedIOException) {
            return FallbackReason.TIMEOUT;
        }
        return FallbackReason.FAILED;
    }
}
