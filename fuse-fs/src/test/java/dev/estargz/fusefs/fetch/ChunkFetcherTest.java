package dev.estargz.fusefs.fetch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.estargz.format.reader.EStargzReader;
import dev.estargz.fusefs.cache.CacheOptions;
import dev.estargz.fusefs.cache.ChunkCache;
import dev.estargz.fusefs.index.LayerIndex;
import dev.estargz.fusefs.index.OverlayOpaque;
import dev.estargz.fusefs.testing.TestLayer;
import dev.estargz.registry.ByteRange;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 2, unit = TimeUnit.MINUTES)
class ChunkFetcherTest {
    @TempDir
    static Path tmp;
    private static byte[] blobBytes;
    private static Path tree;

    private ScriptedBlob blob;
    private LayerIndex index;
    private ChunkFetcher fetcher;

    @BeforeAll
    static void makeLayer() throws IOException {
        tree = Files.createDirectories(tmp.resolve("tree"));
        Random r = new Random(1);
        for (int i = 0; i < 40; i++) {
            byte[] b = new byte[2000];
            r.nextBytes(b);
            Files.write(tree.resolve(String.format("f%02d", i)), b);
        }
        byte[] big = new byte[400_000];
        r.nextBytes(big);
        Files.write(tree.resolve("zz-big"), big);
        byte[] next = new byte[200_000];
        r.nextBytes(next);
        Files.write(tree.resolve("zz-next"), next);
        TestLayer layer = TestLayer.convert(TestLayer.tar(tree, tmp.resolve("l.tar")), tmp.resolve("l.esgz"),
                List.of());
        blobBytes = layer.blobBytes();
    }

    private void open(FetchOptions options) throws IOException {
        blob = new ScriptedBlob(blobBytes);
        EStargzReader reader = EStargzReader.open(dev.estargz.registry.FileBlobSource.open(tmp.resolve("l.esgz")));
        index = LayerIndex.build(reader, OverlayOpaque.TRUSTED);
        fetcher = new ChunkFetcher("test-layer", blob, index, reader.codec(),
                ChunkCache.open(CacheOptions.memoryOnly(64 << 20)), options, OnDemandEvents.NONE);
    }

    @AfterEach
    void close() {
        if (blob != null) {
            blob.release.countDown();
        }
        if (fetcher != null) {
            fetcher.close();
        }
    }

    private int chunkOf(String name) {
        return index.firstChunk(index.lookup(LayerIndex.ROOT, name.getBytes(StandardCharsets.UTF_8)));
    }

    private byte[] content(String name) throws IOException {
        return Files.readAllBytes(tree.resolve(name));
    }

    @Test
    void aReadTakesInTheSmallChunksEndingWithinTheMergeGapAfterItInItsOwnRequest() throws Exception {
        open(FetchOptions.defaults()); // 64 KiB merge gap; the files are ~2 kB compressed
        int c = chunkOf("f00");
        assertArrayEquals(content("f00"), fetcher.chunks(c, c)[0]);
        awaitPresent(chunkOf("f09"));
        assertEquals(1, blob.requests.get());
        ByteRange r = blob.asked.get(0).get(0);
        assertTrue(r.offset() == index.chunkCompressedOffset(c) && r.length() <= index.chunkCompressedLength(c)
                + 64 * 1024, r.toString());
        assertTrue(!fetcher.isPresent(chunkOf("f39")), "f39 lies further than 64 KiB after f00");
    }

    @Test
    void withoutAMergeGapARandomReadAsksForItsOwnChunkOnly() throws Exception {
        open(new FetchOptions(Duration.ofSeconds(30), 512 * 1024, 0, 4));
        int c = chunkOf("f05");
        assertArrayEquals(content("f05"), fetcher.chunks(c, c)[0]);
        assertEquals(List.of(List.of(new ByteRange(index.chunkCompressedOffset(c), index.chunkCompressedLength(c)))),
                blob.asked);
        assertEquals(0, fetcher.readAheadChunkCount());
    }

    @Test
    void aRandomReadIsNotReadAheadButAnInOrderScanIs() throws Exception {
        open(new FetchOptions(Duration.ofSeconds(30), 8 * 1024, 0, 4)); // ~4 of these files per window
        int c20 = chunkOf("f20");
        assertArrayEquals(content("f20"), fetcher.chunks(c20, c20)[0]);
        assertEquals(0, fetcher.readAheadChunkCount(), "nothing before f20 was read");
        assertEquals(1, blob.requests.get());
        int c21 = chunkOf("f21");
        assertArrayEquals(content("f21"), fetcher.chunks(c21, c21)[0]);
        // f21 follows f20: up to two windows past its end are read ahead
        assertTrue(fetcher.readAheadChunkCount() >= 2, "read ahead: " + fetcher.readAheadChunkCount());
        awaitPresent(c21 + 5);
        assertTrue(blob.requests.get() >= 3);
        assertTrue(!fetcher.isPresent(chunkOf("f35")), "read-ahead stays bounded");
    }

    @Test
    void readingWhatThePrefetchBroughtInReadsNothingAhead() throws Exception {
        open(new FetchOptions(Duration.ofSeconds(30), 8 * 1024, 0, 4));
        int c10 = chunkOf("f10");
        fetcher.fillRegion(0, index.chunkCompressedOffset(c10), true); // the prioritised region: f00..f09
        int before = blob.requests.get();
        for (int i = 0; i < 10; i++) {
            int c = chunkOf(String.format("f%02d", i));
            assertArrayEquals(content(String.format("f%02d", i)), fetcher.chunks(c, c)[0]);
        }
        assertEquals(before, blob.requests.get(), "all of it was local");
        assertEquals(0, fetcher.readAheadChunkCount(), "reads of prefetched chunks are no scan to follow");
        assertTrue(!fetcher.isPresent(c10));
    }

    @Test
    void readAheadNeverTakesAChunkBiggerThanItsReach() throws Exception {
        open(FetchOptions.defaults().withWindow(16 * 1024));
        for (String f : List.of("f36", "f37", "f38", "f39")) {
            int c = chunkOf(f);
            assertArrayEquals(content(f), fetcher.chunks(c, c, 0)[0]); // each file is one chunk
        }
        int big = chunkOf("zz-big"); // 400 kB of random bytes right after f39, in 64 KiB chunks: each over two windows
        assertTrue(fetcher.fillChunks(List.of(big)) > 0, "read-ahead had already claimed the big file");
    }

    @Test
    void readAheadGoesTwoChunksIntoTheFileBeingReadButNotIntoTheNextBigFile() throws Exception {
        open(FetchOptions.defaults().withWindow(16 * 1024));
        int first = chunkOf("zz-big"); // 6 chunks of 64 KiB and a short one, each full one over two windows
        int next = chunkOf("zz-next");
        assertEquals(7, next - first);
        byte[] big = content("zz-big");
        for (int k = 0; k < 6; k++) { // zz-big read in order up to its sixth chunk
            int c = first + k;
            long after = big.length - (k * 65536L + index.chunkSize(c)); // of zz-big, past this chunk
            assertArrayEquals(java.util.Arrays.copyOfRange(big, k * 65536, k * 65536 + index.chunkSize(c)),
                    fetcher.chunks(c, c, after)[0]);
            if (k >= 1) {
                awaitPresent(c + 1); // read ahead inside the file
            }
        }
        assertTrue(fetcher.fillChunks(List.of(next)) > 0, "read-ahead went past zz-big's end into zz-next");
    }

    @Test
    void theFirstChunksOfARangeAreServedWhileTheRestIsStillArriving() throws Exception {
        open(FetchOptions.defaults());
        int first = chunkOf("zz-big"); // 7 chunks, fetched as one range
        blob.mode = ScriptedBlob.Mode.HOLD_SECOND_HALF;
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<byte[][]> whole = pool.submit(() -> fetcher.chunks(first, first + 6));
            while (blob.requests.get() == 0) {
                Thread.sleep(1);
            }
            // the first chunk's member lies in the half that has arrived: its reader need not wait for the rest
            byte[] big = content("zz-big");
            assertArrayEquals(java.util.Arrays.copyOf(big, 65536), fetcher.chunks(first, first)[0]);
            assertTrue(!whole.isDone(), "the second half is still held back");
            blob.secondHalf.countDown();
            byte[][] all = whole.get(30, TimeUnit.SECONDS);
            assertArrayEquals(java.util.Arrays.copyOfRange(big, 6 * 65536, big.length), all[6]);
            assertEquals(1, blob.requests.get(), "one request for the whole file");
        } finally {
            blob.secondHalf.countDown();
            pool.shutdownNow();
        }
    }

    private void awaitPresent(int chunk) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!fetcher.isPresent(chunk)) {
            assertTrue(System.nanoTime() < deadline, "chunk " + chunk + " never arrived");
            Thread.sleep(2);
        }
    }

    @Test
    void manyReadersOfOneChunkShareOneFetch() throws Exception {
        open(FetchOptions.defaults().withWindow(0));
        int c = chunkOf("zz-big");
        blob.release = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<byte[]>> results = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            results.add(pool.submit(() -> fetcher.chunks(c, c)[0]));
        }
        while (fetcher.foregroundWaiting() < 8) {
            Thread.sleep(5);
        }
        blob.release.countDown();
        byte[] expected = java.util.Arrays.copyOfRange(content("zz-big"), 0, index.chunkSize(c));
        for (Future<byte[]> f : results) {
            assertArrayEquals(expected, f.get());
        }
        pool.shutdown();
        assertEquals(1, blob.requests.get());
    }

    @Test
    void aStalledRegistryFailsTheReadAtTheBoundAndALaterReadGetsTheBytes() throws Exception {
        open(FetchOptions.defaults().withTimeout(Duration.ofMillis(300)));
        int c = chunkOf("f05");
        blob.release = new CountDownLatch(1);
        ChunkUnavailableException e = assertThrows(ChunkUnavailableException.class, () -> fetcher.chunks(c, c));
        assertTrue(e.getMessage().contains("within 300 ms"), e.getMessage());
        blob.release.countDown(); // the registry answers again
        assertArrayEquals(content("f05"), fetcher.chunks(c, c)[0]);
    }

    @Test
    void jobsWhoseReadersAllGaveUpAreDroppedWhenTheRegistryIsBackNotFetchedBeforeNewReads() throws Exception {
        open(new FetchOptions(Duration.ofMillis(200), 0, 0, 1)); // one fetch thread: the others queue behind it
        int stuck = chunkOf("f00");
        blob.release = new CountDownLatch(1); // the registry stalls
        assertThrows(ChunkUnavailableException.class, () -> fetcher.chunks(stuck, stuck));
        for (int i = 10; i < 20; i++) {
            int c = chunkOf(String.format("f%02d", i));
            assertThrows(ChunkUnavailableException.class, () -> fetcher.chunks(c, c), "queued behind the stall");
        }
        blob.release.countDown(); // and answers again
        awaitPresent(stuck);
        int fresh = chunkOf("f30");
        assertArrayEquals(content("f30"), fetcher.chunks(fresh, fresh)[0]);
        assertEquals(2, blob.requests.get(), "the stalled request and the new read's; none for the ten given up");
        int again = chunkOf("f15");
        assertArrayEquals(content("f15"), fetcher.chunks(again, again)[0], "a dropped chunk is fetched when read");
    }

    @Test
    void aRegionAnotherLayersFetcherIsFillingIsFetchedOnceForBoth() throws Exception {
        // the same blob mounted twice (two layers' fetchers, one cache): the second prefetch waits for the first
        open(FetchOptions.defaults());
        ChunkCache shared = ChunkCache.open(CacheOptions.memoryOnly(64 << 20));
        EStargzReader reader = EStargzReader.open(dev.estargz.registry.FileBlobSource.open(tmp.resolve("l.esgz")));
        ScriptedBlob first = new ScriptedBlob(blobBytes);
        ScriptedBlob second = new ScriptedBlob(blobBytes);
        first.release = new java.util.concurrent.CountDownLatch(1);
        long end = index.chunkCompressedOffset(chunkOf("zz-next"));
        try (ChunkFetcher a = new ChunkFetcher("a", first, index, reader.codec(), shared, FetchOptions.defaults(),
                OnDemandEvents.NONE);
             ChunkFetcher b = new ChunkFetcher("b", second, index, reader.codec(), shared, FetchOptions.defaults(),
                OnDemandEvents.NONE)) {
            var pool = java.util.concurrent.Executors.newFixedThreadPool(2);
            try {
                var fa = pool.submit(() -> a.fillRegion(0, end, false));
                while (first.requests.get() == 0) {
                    Thread.sleep(1);
                }
                var fb = pool.submit(() -> b.fillRegion(0, end, false));
                Thread.sleep(100); // b has looked at every chunk and waits
                first.release.countDown();
                assertTrue(fa.get() > 0);
                assertEquals(0L, fb.get(), "the second fetcher fetched nothing itself");
            } finally {
                pool.shutdownNow();
            }
            assertEquals(0, second.requests.get());
            int big = chunkOf("zz-big");
            assertTrue(b.isPresent(big), "the region counts as present for the second fetcher");
            assertArrayEquals(java.util.Arrays.copyOf(content("zz-big"), index.chunkSize(big)), b.chunks(big, big)[0]);
        }
    }

    @Test
    void aFailedFetchIsRetriedByTheNextRead() throws IOException {
        open(FetchOptions.defaults());
        int c = chunkOf("f07");
        blob.mode = ScriptedBlob.Mode.FAIL;
        assertThrows(ChunkUnavailableException.class, () -> fetcher.chunks(c, c));
        blob.mode = ScriptedBlob.Mode.OK;
        assertArrayEquals(content("f07"), fetcher.chunks(c, c)[0]);
    }

    @Test
    void corruptedBytesAreFetchedOnceMoreThenRefusedNeverServed() throws IOException {
        open(new FetchOptions(Duration.ofSeconds(30), 0, 0, 4)); // the range holds f09 only, so its bytes are the ones corrupted
        int c = chunkOf("f09");
        blob.mode = ScriptedBlob.Mode.CORRUPT;
        ChunkUnavailableException e = assertThrows(ChunkUnavailableException.class, () -> fetcher.chunks(c, c));
        assertTrue(e.getMessage().contains("/f09") && e.getMessage().contains("sha256:" + index.chunkDigestHex(c)),
                e.getMessage());
        assertEquals(2, blob.requests.get(), "one fetch and one refetch");
        blob.mode = ScriptedBlob.Mode.OK;
        assertArrayEquals(content("f09"), fetcher.chunks(c, c)[0]);
    }

    @Test
    void distantMembersAreFetchedAsOneMultiRangeRequest() throws IOException {
        open(new FetchOptions(Duration.ofSeconds(5), 0, 0, 2));
        int a = chunkOf("f01");
        int b = chunkOf("f02");
        int d = chunkOf("f03");
        fetcher.chunks(b, b); // cached, so a and d are no longer neighbours
        blob.asked.clear();
        fetcher.fillChunks(List.of(a, b, d));
        assertEquals(1, blob.asked.size());
        List<ByteRange> ranges = blob.asked.get(0);
        assertEquals(2, ranges.size(), ranges.toString());
        assertTrue(fetcher.isPresent(a) && fetcher.isPresent(d));
    }
}
