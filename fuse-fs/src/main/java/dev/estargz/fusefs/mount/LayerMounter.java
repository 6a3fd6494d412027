package dev.estargz.fusefs.mount;

import dev.estargz.fusefs.cache.ChunkCache;
import dev.estargz.fusefs.fetch.OnDemandEvents;
import dev.estargz.fusefs.fuse.FuseMount;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Semaphore;

/**
 * Serves eStargz layers lazily: the entry point for the snapshotter and {@code estargz mount}. One instance shares
 * one chunk cache between all the layers it serves.
 */
public final class LayerMounter {
    private static final int BACKGROUND_BATCHES_AT_ONCE = 2;
    private final ChunkCache cache;
    private final FsOptions options;
    /** Layers whose background fetch may hold a batch at once (each batch is one request of up to 4 MiB). */
    private final Semaphore backgroundSlots = new Semaphore(BACKGROUND_BATCHES_AT_ONCE);

    public LayerMounter(ChunkCache cache, FsOptions options) {
        this.cache = cache;
        this.options = options;
    }

    /** Opens a layer without mounting it (tests, benchmarks, recording, prefetching ahead). */
    public OpenedLayer open(LayerSource source) throws IOException {
        return OpenedLayer.open(source, cache, options, OnDemandEvents.NONE, backgroundSlots);
    }

    /**
     * Opens a layer and mounts it read-only at the existing directory {@code dir}.
     *
     * @throws dev.estargz.format.InvalidLayerException when the layer is not valid eStargz or its TOC does not
     *                                                  match {@code source.tocDigest()}
     * @throws IOException                              when the blob cannot be read or the mount fails
     */
    public MountedLayer mount(LayerSource source, Path dir) throws IOException {
        return mount(source, dir, OnDemandEvents.NONE);
    }

    /** As {@link #mount(LayerSource, Path)}, telling {@code events} what on-demand reads do. */
    public MountedLayer mount(LayerSource source, Path dir, OnDemandEvents events) throws IOException {
        OpenedLayer layer = OpenedLayer.open(source, cache, options, events, backgroundSlots);
        try {
            return new MountedLayer(layer, FuseMount.mount(layer.fileSystem(), dir, options.fuse()));
        } catch (IOException | RuntimeException e) {
            layer.close();
            throw e;
        }
    }

    public ChunkCache cache() {
        return cache;
    }

    public FsOptions options() {
        return options;
    }
}
