package dev.estargz.format.writer;

import static dev.estargz.format.testing.TestTar.dir;
import static dev.estargz.format.testing.TestTar.file;
import static dev.estargz.format.testing.TestTar.link;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.estargz.format.reader.EStargzReader;
import dev.estargz.format.testing.Blobs;
import dev.estargz.format.testing.TarListing;
import dev.estargz.format.testing.TestTar;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The reference's TestSort: prioritised files first with their parents and link targets, then the landmark. */
class PrioritizationTest {
    @TempDir
    Path tmp;

    private ConvertResult lastResult;
    private byte[] lastBlob;

    private List<String> order(List<TestTar.Entry> in, List<String> prioritized) throws Exception {
        Path src = tmp.resolve("in.tar");
        Files.write(src, TestTar.build(in, "", TestTar.Format.PAX));
        Path out = tmp.resolve("out");
        lastResult = new EStargzConverter().convert(src, out,
                ConvertOptions.defaults().withPrioritizedFiles(prioritized, false));
        lastBlob = Files.readAllBytes(out);
        List<String> names = TarListing.names(Blobs.decompress(lastBlob));
        assertEquals("stargz.index.json", names.get(names.size() - 1));
        return names.subList(0, names.size() - 1);
    }

    @Test
    void withoutAListTheNoPrefetchLandmarkComesFirst() throws Exception {
        assertEquals(List.of(".no.prefetch.landmark", "foo.txt", "bar/"),
                order(List.of(file("foo.txt", "foo"), dir("bar/")), List.of()));
        assertEquals(0, lastResult.prefetchSize());
        assertEquals(0L, EStargzReader.open(new Blobs.CountingSource(lastBlob)).prefetchSize().orElseThrow());
    }

    @Test
    void directoriesMoveWithTheirFiles() throws Exception {
        List<TestTar.Entry> in = List.of(file("foo.txt", "foo"), dir("bar/"), file("bar/bar.txt", "bar"),
                file("bar/baa.txt", "baa"), dir("baz/"), file("baz/baz1.txt", "baz"), file("baz/baz2.txt", "baz"),
                dir("baz/bazbaz/"), file("baz/bazbaz/bazbaz_b.txt", "baz"), file("baz/bazbaz/bazbaz_a.txt", "baz"));
        assertEquals(List.of("baz/", "baz/bazbaz/", "baz/bazbaz/bazbaz_a.txt", "baz/baz2.txt", "foo.txt",
                ".prefetch.landmark", "bar/", "bar/bar.txt", "bar/baa.txt", "baz/baz1.txt",
                "baz/bazbaz/bazbaz_b.txt"),
                order(in, List.of("baz/bazbaz/bazbaz_a.txt", "baz/baz2.txt", "foo.txt")));
        EStargzReader r = EStargzReader.open(new Blobs.CountingSource(lastBlob));
        long landmark = r.lookup(".prefetch.landmark").orElseThrow().offset();
        assertEquals(landmark, lastResult.prefetchSize());
        assertEquals(landmark, r.prefetchSize().orElseThrow());
        assertTrue(r.chunksOf("foo.txt").get(0).compressedEnd() <= landmark, "prioritised data lies before it");
    }

    @Test
    void hardlinkTargetsComeBeforeTheirLinks() throws Exception {
        assertEquals(List.of("baz.txt", "bazlink", ".prefetch.landmark"),
                order(List.of(file("baz.txt", "aaaaa"), link("bazlink", "baz.txt")), List.of("bazlink")));
        assertEquals(List.of("baz.txt", ".prefetch.landmark", "foo.txt", "bar.txt", "baa.txt"),
                order(List.of(file("foo.txt", "foo"), file("baz.txt", "baz"), link("bar.txt", "baz.txt"),
                        file("baa.txt", "baa")), List.of("baz.txt")));
    }

    @Test
    void aLaterDuplicateReplacesTheEarlierOne() throws Exception {
        List<TestTar.Entry> in = List.of(file("foo.txt", "foo"), dir("bar/"), file("bar/baz.txt", "baz"),
                dir("bar/"), file("bar/baz.txt", "baz2"));
        assertEquals(List.of("bar/", "bar/baz.txt", ".prefetch.landmark", "foo.txt"),
                order(in, List.of("bar/baz.txt")));
        EStargzReader r = EStargzReader.open(new Blobs.CountingSource(lastBlob));
        assertEquals(4, r.lookup("bar/baz.txt").orElseThrow().size());
    }

    @Test
    void existingLandmarksAreDropped() throws Exception {
        List<TestTar.Entry> in = List.of(file("foo.txt", "foo"), file(".prefetch.landmark", new byte[] {0x0f}),
                file("./.no.prefetch.landmark", new byte[] {0x0f}), file("bar.txt", "bar"));
        assertEquals(List.of("bar.txt", ".prefetch.landmark", "foo.txt"), order(in, List.of("bar.txt")));
        assertEquals(List.of(".no.prefetch.landmark", "foo.txt", "bar.txt"), order(in, List.of()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"baa.txt", "/baa.txt", "./baa.txt", "../baa.txt"})
    void listedPathsAreRelativeToTheRootWhateverTheirPrefix(String listed) throws Exception {
        List<TestTar.Entry> in = List.of(dir("./"), file("./foo.txt", "foo"), file("./baz.txt", "baz"),
                file("./baa.txt", "baa"), link("./bazlink", "./baz.txt"));
        assertEquals(List.of("./", "./baa.txt", "./baz.txt", "./bazlink", ".prefetch.landmark", "./foo.txt"),
                order(in, List.of(listed, "bazlink")));
    }

    @Test
    void aFileWhoseParentIsImplicitCanStillBePrioritised() throws Exception {
        assertEquals(List.of("a/b/c.txt", ".prefetch.landmark", "x"),
                order(List.of(file("x", "x"), file("a/b/c.txt", "c")), List.of("a/b/c.txt")));
    }
}
