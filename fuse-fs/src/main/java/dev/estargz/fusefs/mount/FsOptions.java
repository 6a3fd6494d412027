package dev.estargz.fusefs.mount;

import dev.estargz.fusefs.fetch.FetchOptions;
import dev.estargz.fusefs.fuse.FuseMount;
import dev.estargz.fusefs.index.OverlayOpaque;
import java.time.Duration;

/**
 * How layers are served, with the reference's config keys where one exists.
 *
 * @param fetch               timeouts and request shaping ({@code [blob] fetching_timeout_sec}, {@code chunk_size})
 * @param prefetchSize        bytes prefetched when a layer has no landmark ({@code prefetch_size})
 * @param noPrefetch          prefetch nothing ({@code noprefetch})
 * @param noBackgroundFetch   do not fetch the rest of the blob in the background ({@code no_background_fetch})
 * @param backgroundBandwidth bytes per second the background fetch may use; 0 for no cap
 * @param fuse                kernel cache timeouts ({@code [fuse] attr_timeout}, {@code entry_timeout})
 * @param opaque              which opaque xattr overlayfs reads
 */
public record FsOptions(FetchOptions fetch, long prefetchSize, boolean noPrefetch, boolean noBackgroundFetch,
        long backgroundBandwidth, FuseMount.Options fuse, OverlayOpaque opaque) {
    public FsOptions {
        if (prefetchSize < 0 || backgroundBandwidth < 0) {
            throw new IllegalArgumentException("prefetchSize and backgroundBandwidth must not be negative");
        }
    }

    /** The reference's defaults (except a 30 s fetch timeout instead of 300 s). */
    public static FsOptions defaults() {
        return new FsOptions(FetchOptions.defaults(), 0, false, false, 0, FuseMount.Options.defaults(),
                OverlayOpaque.TRUSTED);
    }

    public FsOptions withFetch(FetchOptions v) {
        return new FsOptions(v, prefetchSize, noPrefetch, noBackgroundFetch, backgroundBandwidth, fuse, opaque);
    }

    public FsOptions withPrefetchSize(long v) {
        return new FsOptions(fetch, v, noPrefetch, noBackgroundFetch, backgroundBandwidth, fuse, opaque);
    }

    public FsOptions withNoPrefetch(boolean v) {
        return new FsOptions(fetch, prefetchSize, v, noBackgroundFetch, backgroundBandwidth, fuse, opaque);
    }

    public FsOptions withNoBackgroundFetch(boolean v) {
        return new FsOptions(fetch, prefetchSize, noPrefetch, v, backgroundBandwidth, fuse, opaque);
    }

    public FsOptions withBackgroundBandwidth(long v) {
        return new FsOptions(fetch, prefetchSize, noPrefetch, noBackgroundFetch, v, fuse, opaque);
    }

    public FsOptions withFuse(FuseMount.Options v) {
        return new FsOptions(fetch, prefetchSize, noPrefetch, noBackgroundFetch, backgroundBandwidth, v, opaque);
    }

    public FsOptions withOpaque(OverlayOpaque v) {
        return new FsOptions(fetch, prefetchSize, noPrefetch, noBackgroundFetch, backgroundBandwidth, fuse, v);
    }

    /** Convenience for tests and the CLI. */
    public FsOptions withFetchTimeout(Duration v) {
        return withFetch(fetch.withTimeout(v));
    }
}
