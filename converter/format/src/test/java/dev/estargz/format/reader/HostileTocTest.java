package dev.estargz.format.reader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.estargz.format.InvalidLayerException;
import dev.estargz.format.testing.Blobs;
import dev.estargz.format.testing.RawLayer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * TOCs shaped to break a reader: deep trees, long hardlink chains, missing keys. Valid ones open, invalid ones fail
 * with an error naming the problem, and none of them with a stack overflow.
 */
class HostileTocTest {
    private static EStargzReader open(byte[] blob) throws Exception {
        return EStargzReader.open(new Blobs.CountingSource(blob));
    }

    private static EStargzReader openToc(String json) throws Exception {
        return open(Blobs.withToc(new RawLayer().payload(), json.getBytes(StandardCharsets.UTF_8)));
    }

    private static void assertRefused(byte[] blob, String... parts) {
        InvalidLayerException e = assertThrows(InvalidLayerException.class, () -> open(blob));
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "\"" + e.getMessage() + "\" should mention " + p);
        }
    }

    /** Runs {@code r} on a thread with a small stack: recursion as deep as the input would overflow it. */
    private static void onSmallStack(ThrowingRunnable r) throws Throwable {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = new Thread(null, () -> {
            try {
                r.run();
            } catch (Throwable e) {
                failure.set(e);
            }
        }, "small-stack", 256 * 1024);
        t.start();
        t.join();
        if (failure.get() != null) {
            throw failure.get();
        }
    }

    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    @Test
    void aDeepPathWithNoDirectoryEntriesIsIndexedWithoutRecursion() throws Throwable {
        String deep = "a/".repeat(2000) + "f"; // 4001 bytes: as deep as a path that fits PATH_MAX goes
        byte[] blob = new RawLayer().file(deep, "x").build();
        onSmallStack(() -> {
            EStargzReader r = open(blob);
            assertEquals(1, r.chunksOf(deep).size());
            assertEquals(List.of("a"), List.copyOf(r.children("a/a/a").keySet()));
            assertEquals(3, r.linkCount("a/a")); // ".", the parent's link, the child's ".."
            r.verifyAllChunks();
        });
    }

    @Test
    void aLongChainOfListedParentsIsIndexedWithoutRecursion() throws Throwable {
        RawLayer layer = new RawLayer();
        for (int depth = 2000; depth >= 1; depth--) { // children before their parents
            layer.dir("d/".repeat(depth));
        }
        byte[] blob = layer.build();
        onSmallStack(() -> assertEquals(1, open(blob).children("d/".repeat(1999)).size()));
    }

    @Test
    void aPathLongerThanPathMaxIsRefusedNotOverflowed() throws Throwable {
        byte[] blob = new RawLayer().file("a/".repeat(100_000) + "f", "x").build();
        onSmallStack(() -> assertRefused(blob, "longer than 4096 bytes"));
    }

    @Test
    void aNameComponentLongerThanNameMaxIsRefused() throws Exception {
        assertRefused(new RawLayer().file("d/" + "n".repeat(256), "x").build(), "longer than 255 bytes");
        open(new RawLayer().file("d/" + "n".repeat(255), "x").build());
    }

    @Test
    void deepDistinctPathsThatImplyQuadraticallyManyDirectoriesAreRefused() throws Exception {
        RawLayer layer = new RawLayer();
        for (int i = 0; i < 10; i++) {
            layer.file("x" + i + "/" + "a/".repeat(2000) + "f", "x"); // each implies 2000 directories of ~2 KB names
        }
        assertRefused(layer.build(), "unlisted directories");
    }

    @Test
    void aChainOfAThousandHardlinksIsValid() throws Exception {
        RawLayer layer = new RawLayer().file("f", "content");
        layer.hardlink("l0", "f");
        for (int i = 1; i < 1000; i++) {
            layer.hardlink("l" + i, "l" + (i - 1)); // each to the previous link, as tar allows
        }
        EStargzReader r = open(layer.build());
        assertEquals("f", r.lookup("l999").orElseThrow().name());
        assertEquals(1001, r.linkCount("f"));
        assertEquals(1001, r.linkCount("l500"));
        assertEquals("f", r.children("").get("l999").name());
    }

    @Test
    void aThousandHardlinksToOneFileAndLinksBeforeTheirTargetAreValid() throws Exception {
        RawLayer layer = new RawLayer().hardlink("early", "f").file("f", "content");
        for (int i = 0; i < 1000; i++) {
            layer.hardlink("l" + i, "f");
        }
        EStargzReader r = open(layer.build());
        assertEquals(1002, r.linkCount("f"));
        assertEquals("f", r.lookup("early").orElseThrow().name());
    }

    @Test
    void hardlinkCyclesAreRefused() throws Exception {
        assertRefused(new RawLayer().hardlink("a", "b").hardlink("b", "a").build(), "cycle");
        assertRefused(new RawLayer().hardlink("self", "./self").build(), "cycle");
        RawLayer longCycle = new RawLayer();
        for (int i = 0; i < 5000; i++) {
            longCycle.hardlink("l" + i, "l" + ((i + 1) % 5000));
        }
        assertRefused(longCycle.build(), "cycle");
    }

    @Test
    void hardlinksToDirectoriesAndToNothingAreRefused() throws Exception {
        assertRefused(new RawLayer().dir("d/").hardlink("l", "d").build(), "hardlink to directory", "\"d\"");
        assertRefused(new RawLayer().file("d/f", "x").hardlink("l", "d").build(), "hardlink to directory");
        assertRefused(new RawLayer().file("f", "x").hardlink("l1", "f").hardlink("l2", "l1").hardlink("l3", "gone")
                .build(), "\"l3\"", "gone", "not in the TOC");
    }

    @Test
    void aTocWithoutEntriesIsRefusedButEntriesNullIsAnEmptyLayer() throws Exception {
        InvalidLayerException e = assertThrows(InvalidLayerException.class, () -> openToc("{\"version\":1}"));
        assertTrue(e.getMessage().contains("no \"entries\""), e.getMessage());
        assertEquals(0, openToc("{\"version\":1,\"entries\":null}").entries().size());
    }

    @Test
    void aTocOfAnotherVersionIsRefused() throws Exception {
        InvalidLayerException e = assertThrows(InvalidLayerException.class,
                () -> openToc("{\"version\":2,\"entries\":[]}"));
        assertTrue(e.getMessage().contains("version 2"), e.getMessage());
        assertThrows(InvalidLayerException.class, () -> openToc("{\"entries\":[]}"));
    }

    @Test
    void deeplyNestedJsonIsRefusedAsJson() throws Exception {
        String deep = "[".repeat(100_000) + "]".repeat(100_000);
        InvalidLayerException e = assertThrows(InvalidLayerException.class,
                () -> openToc("{\"version\":1,\"x\":" + deep + ",\"entries\":[]}"));
        assertTrue(e.getMessage().contains("not valid JSON"), e.getMessage());
    }

    @Test
    void theTocAsStoredIsReadAgainOnRequest() throws Exception {
        EStargzReader r = open(new RawLayer().dir("./d/").file("./d/f", "x").build());
        assertEquals("./d/", r.toc().entries().get(0).name());
        assertEquals("d", r.entries().get(0).name());
    }
}
