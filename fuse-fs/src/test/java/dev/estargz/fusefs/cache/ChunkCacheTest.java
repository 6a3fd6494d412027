package dev.estargz.fusefs.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.estargz.registry.Digest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChunkCacheTest {
    @TempDir
    Path dir;

    private static byte[] data(int seed, int size) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) (seed * 31 + i);
        }
        return b;
    }

    private static String key(byte[] b) {
        return Digest.sha256(b).hex();
    }

    @Test
    void memoryEvictsLeastRecentlyUsedPastItsLimit() throws IOException {
        ChunkCache c = ChunkCache.open(CacheOptions.memoryOnly(3000));
        byte[] a = data(1, 1000);
        byte[] b = data(2, 1000);
        byte[] d = data(3, 1000);
        c.put(key(a), a, true);
        c.put(key(b), b, true);
        c.put(key(d), d, true);
        c.get(key(a)); // a is now the most recently used
        byte[] e = data(4, 1000);
        c.put(key(e), e, true);
        assertNull(c.get(key(b)), "least recently used chunk evicted");
        assertArrayEquals(a, c.get(key(a)));
        assertArrayEquals(e, c.get(key(e)));
        assertTrue(c.usage().memoryBytes() <= 3000);
    }

    @Test
    void diskEvictsLeastRecentlyUsedFilesPastItsLimit() throws IOException {
        ChunkCache c = ChunkCache.open(new CacheOptions(dir, 0, 2500, true));
        byte[] a = data(1, 1000);
        byte[] b = data(2, 1000);
        byte[] d = data(3, 1000);
        c.put(key(a), a, false);
        c.put(key(b), b, false);
        c.get(key(a));
        c.put(key(d), d, false);
        assertFalse(c.contains(key(b)));
        assertTrue(c.contains(key(a)) && c.contains(key(d)));
        assertEquals(2, countFiles(dir.resolve("chunks")));
    }

    @Test
    void reopenedCacheReusesChunksWithoutDuplicatingThem() throws IOException {
        byte[] a = data(1, 5000);
        ChunkCache first = ChunkCache.open(CacheOptions.onDisk(dir));
        first.put(key(a), a, true);
        ChunkCache second = ChunkCache.open(CacheOptions.onDisk(dir));
        assertTrue(second.contains(key(a)));
        assertArrayEquals(a, second.get(key(a)));
        second.put(key(a), a, true);
        assertEquals(1, countFiles(dir.resolve("chunks")));
        assertEquals(5000, second.usage().diskBytes());
    }

    @Test
    void tornWritesLeftByACrashAreDroppedNotServed() throws IOException {
        byte[] a = data(1, 5000);
        ChunkCache.open(CacheOptions.onDisk(dir));
        // A crash mid-write leaves only a temporary file; it never carries a digest's name.
        Files.write(dir.resolve("tmp").resolve("deadbeef123.part"), new byte[] {1, 2, 3});
        ChunkCache reopened = ChunkCache.open(CacheOptions.onDisk(dir));
        assertFalse(reopened.contains(key(a)));
        assertEquals(0, countFiles(dir.resolve("tmp")));
    }

    @Test
    void aCorruptedChunkFileIsDetectedAndRemoved() throws IOException {
        byte[] a = data(1, 5000);
        ChunkCache.open(CacheOptions.onDisk(dir)).put(key(a), a, false);
        Path file = dir.resolve("chunks").resolve(key(a).substring(0, 2)).resolve(key(a));
        byte[] bad = a.clone();
        bad[10] ^= 1;
        Files.write(file, bad);
        ChunkCache reopened = ChunkCache.open(CacheOptions.onDisk(dir));
        assertNull(reopened.get(key(a)));
        assertFalse(Files.exists(file));
    }

    private static long countFiles(Path d) throws IOException {
        try (Stream<Path> s = Files.walk(d)) {
            return s.filter(Files::isRegularFile).count();
        }
    }

    @Test
    void parallelReadsOfOneChunkOnDiskLoadItOnce() throws Exception {
        ChunkCache c = ChunkCache.open(new CacheOptions(dir, 64 << 20, 64 << 20, true));
        byte[] big = data(7, 4 << 20);
        c.put(key(big), big, false); // on disk only, as after a remount
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(16);
        java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
        java.util.List<java.util.concurrent.Future<byte[]>> reads = new java.util.ArrayList<>();
        for (int i = 0; i < 16; i++) {
            reads.add(pool.submit(() -> {
                go.await();
                return c.get(key(big));
            }));
        }
        go.countDown();
        for (java.util.concurrent.Future<byte[]> r : reads) {
            assertArrayEquals(big, r.get());
        }
        pool.shutdown();
        assertEquals(1, c.usage().diskLoads(), "the kernel's parallel reads of one chunk share one disk load");
    }
}
