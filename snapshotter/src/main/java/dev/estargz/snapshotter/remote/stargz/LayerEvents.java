package dev.estargz.snapshotter.remote.stargz;

import dev.estargz.fusefs.fetch.OnDemandEvents;
import dev.estargz.registry.Digest;
import java.time.Duration;

/** Timed operations on lazily served layers, named as the reference's {@code stargz_fs} metrics name them. */
public interface LayerEvents {
    /** Resolving and mounting a layer (reference {@code mount}). */
    String MOUNT = "mount";
    /** Finding the blob and reading its footer and TOC (reference {@code remote_registry_get}). */
    String REMOTE_REGISTRY_GET = "remote_registry_get";
    /** From mount until the prioritised region is cached (reference {@code prefetch_total}). */
    String PREFETCH_TOTAL = "prefetch_total";
    /** From mount until the whole blob is cached (reference {@code background_fetch_total}). */
    String BACKGROUND_FETCH_TOTAL = "background_fetch_total";

    /** Reports nothing. */
    LayerEvents NONE = (operation, layer, took) -> {
    };

    /** {@code operation} on {@code layer} ended after {@code took}. */
    void operation(String operation, Digest layer, Duration took);

    /** Where a mounted layer's on-demand reads and fetches are reported (nowhere by default). */
    default OnDemandEvents onDemand(Digest layer) {
        return OnDemandEvents.NONE;
    }
}
