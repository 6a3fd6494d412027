package dev.estargz.fusefs.mount;

import dev.estargz.format.reader.EStargzReader;
import dev.estargz.fusefs.cache.ChunkCache;
import dev.estargz.fusefs.fetch.ForegroundActivity;
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
    /**
     * Layers whose background fetch may hold a batch at once (each batch: one request of up to 1 MiB fetched and
     * 1 MiB decompressed, or a single larger chunk).
     */
    private final Semaphore backgroundSlots = new Semaphore(BACKGROUND_BATCHES_AT_ONCE);
    private final ForegroundActivity activity;

    /** A mounter whose background fetches run whenever no reader waits (tools serving one layer, tests). */
    public LayerMounter(ChunkCache cache, FsOptions options) {
        this(cache, options, ForegroundActivity.none());
    }

    /**
     * @param activity the foreground (mounts, checks, readers waiting) of every layer this mounter serves, shared
     *                 with other mounters of the same process when they share the link
     */
    public LayerMounter(ChunkCache cache, FsOptions options, ForegroundActivity activity) {
        this.cache = cache;
        this.options = options;
        this.activity = activity;
    }

    /** Opens a layer without mounting it (tests, benchmarks, recording, prefetching ahead). */
    public OpenedLayer open(LayerSource source) throws IOException {
        return open(source, null);
    }

    /**
     * As {@link #open(LayerSource)}, with the blob's footer and TOC already read by {@code parsed} (null: read them
     * now); a layer store serves such a layer under its own mount.
     */
    public OpenedLayer open(LayerSource source, EStargzReader parsed) throws IOException {
        activity.touch();
        return OpenedLayer.open(source, parsed, cache, options, OnDemandEvents.NONE, backgroundSlots, activity);
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
        return mount(source, null, dir, events);
    }

    /**
     * As {@link #mount(LayerSource, Path, OnDemandEvents)}, with the blob's footer and TOC already read by
     * {@code parsed} (null: read them now), which saves parsing a large TOC twice on the way to the first mount.
     */
    public MountedLayer mount(LayerSource source, EStargzReader parsed, Path dir, OnDemandEvents events)
            throws IOException {
        activity.touch();
        OpenedLayer layer = OpenedLayer.open(source, parsed, cache, options, events, backgroundSlots, activity);
        try {
            return new MountedLayer(layer, FuseMount.mount(layer.fileSystem(), dir, options.fuse()));
        } catch (IOException | RuntimeException e) {
            layer.close();
            throw e;
        }
    }

    /** The foreground this mounter's background work yields to (mounts and checks elsewhere touch it too). */
    public ForegroundActivity activity() {
        return activity;
    }

    public ChunkCache cache() {
        return cache;
    }

    public FsOptions options() {
        return options;
    }
}
