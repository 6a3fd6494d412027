package dev.estargz.fusefs.cache;

import java.nio.file.Path;

/**
 * Limits and place of a {@link ChunkCache}.
 *
 * @param directory    where chunk files live; null for a memory-only cache
 * @param memoryBytes  most bytes of chunks kept on the heap
 * @param diskBytes    most bytes of chunk files kept on disk; the least recently used go first
 * @param verifyOnRead re-hash chunks read from disk (catches disk corruption; the name is the digest)
 */
public record CacheOptions(Path directory, long memoryBytes, long diskBytes, boolean verifyOnRead) {
    public CacheOptions {
        if (memoryBytes < 0 || diskBytes < 0) {
            throw new IllegalArgumentException("cache limits must not be negative: memory=" + memoryBytes
                    + " disk=" + diskBytes);
        }
    }

    /** 64 MiB in memory, 10 GiB on disk under {@code directory}, verified on read. */
    public static CacheOptions onDisk(Path directory) {
        return new CacheOptions(directory, 64L << 20, 10L << 30, true);
    }

    /** Memory only. */
    public static CacheOptions memoryOnly(long memoryBytes) {
        return new CacheOptions(null, memoryBytes, 0, false);
    }

    public CacheOptions withMemoryBytes(long v) {
        return new CacheOptions(directory, v, diskBytes, verifyOnRead);
    }

    public CacheOptions withDiskBytes(long v) {
        return new CacheOptions(directory, memoryBytes, v, verifyOnRead);
    }

    public CacheOptions withVerifyOnRead(boolean v) {
        return new CacheOptions(directory, memoryBytes, diskBytes, v);
    }
}
