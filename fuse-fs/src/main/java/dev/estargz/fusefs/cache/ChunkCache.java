package dev.estargz.fusefs.cache;

import java.io.IOException;

/**
 * Verified, uncompressed chunks keyed by their sha256 (lowercase hex), so that layers sharing a file share its
 * cache entries: a bounded LRU on the heap in front of a bounded LRU of files that survives a restart. Callers put
 * only bytes they have verified. Thread-safe; one instance is meant to be shared by every mounted layer.
 */
public final class ChunkCache {
    private final MemoryLru memory;
    private final DiskStore disk;

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
        b = disk.get(sha256Hex);
        if (b != null) {
            memory.put(sha256Hex, b);
        }
        return b;
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
        if (disk != null) {
            disk.put(sha256Hex, data);
        }
    }

    /** Current usage, for metrics and tests. */
    public Usage usage() {
        return new Usage(memory.size(), memory.bytes(), disk == null ? 0 : disk.size(), disk == null ? 0 : disk.bytes());
    }

    /** How much a cache holds. */
    public record Usage(int memoryChunks, long memoryBytes, int diskChunks, long diskBytes) {
    }
}
