package dev.estargz.snapshotter.config;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * {@code [cache]} (ours, not the reference's, which has no limit: USER-ASKS D13): bounds of the shared chunk
 * cache under {@code <root>/stargz/fscache}. The least recently used chunks are evicted beyond them.
 *
 * @param maxDiskBytes   most bytes of chunk files on disk (ignored with {@code filesystem_cache_type = "memory"})
 * @param maxMemoryBytes most bytes of chunks kept on the heap
 */
public record CacheConfig(
        @JsonProperty("max_disk_bytes") long maxDiskBytes,
        @JsonProperty("max_memory_bytes") long maxMemoryBytes) {

    /** 10 GiB on disk, 16 MiB in memory: the chunks being read right now (a large chunk is read by the kernel in
     * many pieces), not a second copy of the page cache. */
    public static final CacheConfig DEFAULTS = new CacheConfig(10L << 30, 16L << 20);
}
