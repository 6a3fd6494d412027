package dev.estargz.fusefs.cache;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Verified, uncompressed chunks keyed by their sha256 (lowercase hex), so that layers sharing a file share its
 * cache entries: a bounded LRU on the heap in front of a bounded LRU of files that survives a restart. Callers put
 * only bytes they have verified. Thread-safe; one instance is meant to be shared by every mounted layer.
 */
public final class ChunkCache {
    private final MemoryLru memory;
    private final DiskStore disk;
    /** Disk loads in progress: the kernel asks for one big chunk in many parallel reads, and each would re-read it. */
    private final ConcurrentHashMap<String, CompletableFuture<byte[]>> loading = new ConcurrentHashMap<>();

    /**
     * Prefetches and background fetches in progress, by chunk, across the fetchers of every layer: a blob mounted
     * more than once (under different parents), or prefetched ahead while it is mounted, is filled once.
     */
    private final ConcurrentHashMap<String, CompletableFuture<Void>> filling = new ConcurrentHashMap<>();

    private ChunkCache(MemoryLru memory, DiskStore disk) {
        this.memory = memory;
        this.disk = disk;
    }

    /** Opens (or creates) a cache; chunk files from an earlier run are reused, torn temporary files dropped. */
    public static ChunkCache open(CacheOptions options) throws IOException {
        DiskStore d = options.directory() == null ? null
                : DiskStore.open(options.directory(), options.diskBytes(), options.verifyOnRead());
        return new ChunkCache(new MemoryLru(options.memoryBytes()), d);
    }

    /** The chunk, or null when it is in neither the memory nor the disk cache. */
    public byte[] get(String sha256Hex) {
        byte[] b = memory.get(sha256Hex);
        if (b != null || disk == null) {
            return b;
        }
        CompletableFuture<byte[]> mine = new CompletableFuture<>();
        CompletableFuture<byte[]> other = loading.putIfAbsent(sha256Hex, mine);
        if (other != null) {
            return other.join(); // never completed exceptionally: a failed load completes with null
        }
        try {
            b = memory.get(sha256Hex); // a load that just finished has put it there
            if (b == null) {
                b = disk.get(sha256Hex);
                if (b != null) {
                    memory.put(sha256Hex, b);
                }
            }
        } finally {
            loading.remove(sha256Hex, mine);
            mine.complete(b);
        }
        return b;
    }

    /**
     * Claims the filling of a chunk for the caller, who must {@link #releaseFill release} it once the chunk is put
     * (or failed): null when the caller has it, else the future of the fill another fetcher runs.
     */
    public CompletableFuture<Void> claimFill(String sha256Hex) {
        return filling.putIfAbsent(sha256Hex, new CompletableFuture<>());
    }

    /** Ends the caller's claim on a chunk's fill; those waiting on it then look in the cache. */
    public void releaseFill(String sha256Hex) {
        CompletableFuture<Void> f = filling.remove(sha256Hex);
        if (f != null) {
            f.complete(null);
        }
    }

    /** True when the chunk is cached (without reading it). */
    public boolean contains(String sha256Hex) {
        return memory.contains(sha256Hex) || disk != null && disk.contains(sha256Hex);
    }

    /**
     * Stores a verified chunk.
     *
     * @param keepInMemory false for bulk background fetches, which should not push hot chunks out of memory
     */
    public void put(String sha256Hex, byte[] data, boolean keepInMemory) {
        if (keepInMemory || disk == null) {
            memory.put(sha256Hex, data);
        }
        putOnDisk(sha256Hex, data);
    }

    /**
     * The first half of {@link #put put(key, data, true)}: the chunk is in memory now, and readers find it there;
     * {@link #putOnDisk} writes it to disk afterwards, so that a waiting reader need not wait for the write.
     */
    public void putInMemory(String sha256Hex, byte[] data) {
        memory.put(sha256Hex, data);
    }

    /** Stores a verified chunk on disk only (nothing without a disk store). */
    public void putOnDisk(String sha256Hex, byte[] data) {
        if (disk != null) {
            disk.put(sha256Hex, data);
        }
    }

    /** Current usage, for metrics and tests. */
    public Usage usage() {
        return new Usage(memory.size(), memory.bytes(), disk == null ? 0 : disk.size(), disk == null ? 0 : disk.bytes(),
                disk == null ? 0 : disk.loads());
    }

    /** How much a cache holds. */
    public record Usage(int memoryChunks, long memoryBytes, int diskChunks, long diskBytes, long diskLoads) {
    }
}
