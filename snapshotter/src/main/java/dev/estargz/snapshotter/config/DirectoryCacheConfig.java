package dev.estargz.snapshotter.config;

import com.fasterxml.jackson.annotation.JsonProperty;

/** {@code [directory_cache]}: the on-disk chunk cache. */
public record DirectoryCacheConfig(
        @JsonProperty("max_lru_cache_entry") int maxLruCacheEntry,
        @JsonProperty("max_cache_fds") int maxCacheFds,
        @JsonProperty("sync_add") boolean syncAdd,
        @JsonProperty("direct") boolean direct,
        @JsonProperty("fadv_dontneed") boolean fadvDontneed) {

    public static final DirectoryCacheConfig DEFAULTS = new DirectoryCacheConfig(10, 10, false, true, false);
}
