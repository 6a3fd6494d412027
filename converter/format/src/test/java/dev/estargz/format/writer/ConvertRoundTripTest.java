package dev.estargz.format.writer;

import static dev.estargz.format.testing.TestTar.blockdev;
import static dev.estargz.format.testing.TestTar.chardev;
import static dev.estargz.format.testing.TestTar.dir;
import static dev.estargz.format.testing.TestTar.fifo;
import static dev.estargz.format.testing.TestTar.file;
import static dev.estargz.format.testing.TestTar.link;
import static dev.estargz.format.testing.TestTar.symlink;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.estargz.format.reader.Chunk;
import dev.estargz.format.reader.EStargzReader;
import dev.estargz.format.testing.Blobs;
import dev.estargz.format.testing.TarListing;
import dev.estargz.format.testing.TestTar;
import dev.estargz.format.testing.TestTar.Compression;
import dev.estargz.format.testing.TestTar.Format;
import dev.estargz.format.toc.EntryName;
import dev.estargz.format.toc.EntryType;
import dev.estargz.format.toc.TocEntry;
import dev.estargz.registry.Digest;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The reference's testBuild and testDigestAndVerify, as one matrix: source compression x tar format x name
 * prefix, chunk size 4, every file read back chunk by chunk and verified.
 */
class ConvertRoundTripTest {
    private static final List<String> GENERATED = List.of(".no.prefetch.landmark", ".prefetch.landmark",
            "stargz.index.json");

    @TempDir
    Path tmp;

    static List<TestTar.Entry> variousFiles() {
        String longDir = "long-" + "d".repeat(60) + "/";
        return List.of(
                dir("foo/"),
                file("foo/bar.txt", "test content").withOwner(1000, 1001, "alice", "staff"),
                dir("bar/").withOwner(1000, 1001, "alice", "staff"),
                file("bar/baz.txt", "a longer file with several chunks"),
                file("bar/exact8", "12345678"),
                file("empty", ""),
                file("foo/.wh.deleted", ""),
                symlink("foo/sym", "../../outside"),
                link("foo/hard", "foo/bar.txt"),
                dir("dev/"),
                chardev("dev/null", 1, 3),
                blockdev("dev/sda", 8, 0),
                fifo("dev/fifo"),
                dir(longDir),
                file(longDir + "f".repeat(70) + ".txt", "long name")
                        .withXattr("user.foo", "bar".getBytes(StandardCharsets.UTF_8))
                        .withXattr("user.bin", new byte[] {(byte) 0xff, (byte) 0xfe, (byte) 0xfd}),
                dir("modes/").withMode(02755),
                file("modes/suid", "x").withMode(04755).withMtime(1600000000L));
    }

    static Stream<Arguments> matrix() {
        List<Arguments> out = new ArrayList<>();
        for (Compression c : Compression.values()) {
            for (Format f : Format.values()) {
                for (String prefix : List.of("", "./")) {
                    out.add(Arguments.of(c, f, prefix));
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1} prefix=\"{2}\"")
    @MethodSource("matrix")
    void convertedLayerReadsBackAndVerifies(Compression compression, Format format, String prefix) throws Exception {
        List<TestTar.Entry> entries = variousFiles();
        byte[] tar = TestTar.build(entries, prefix, format);
        Path in = tmp.resolve("in");
        Files.write(in, TestTar.compress(tar, compression));
        Path out = tmp.resolve("out.esgz");
        ConvertResult r = new EStargzConverter().convert(in, out,
                ConvertOptions.defaults().withChunkSize(4).withThreads(2));
        byte[] blob = Files.readAllBytes(out);

        assertEquals(blob.length, r.blobSize());
        assertEquals(Digest.sha256(blob), r.blobDigest());
        byte[] stream = Blobs.decompress(blob);
        assertEquals(Digest.sha256(stream), r.diffId());
        assertEquals(stream.length, r.uncompressedSize());
        assertEquals(TarListing.describe(tar, List.of()), TarListing.describe(stream, GENERATED),
                "same headers and payloads as the source, landmark and TOC aside");
        assertEquals(List.of(), Files.list(tmp).filter(p -> p.getFileName().toString().startsWith("."))
                .toList(), "no temporary files left behind");

        Blobs.CountingSource src = new Blobs.CountingSource(blob);
        EStargzReader reader = EStargzReader.open(src);
        assertEquals(1, src.reads(), "footer and TOC come from one tail read");
        assertEquals(r.tocDigest(), reader.tocDigest());
        assertEquals(Digest.sha256(Blobs.tocJson(blob, r.tocOffset()).getBytes(StandardCharsets.UTF_8)),
                r.tocDigest());
        assertEquals(1, reader.toc().version());
        reader.verifyToc(r.tocDigest());

        Set<Long> chunkOffsets = new HashSet<>();
        for (TestTar.Entry e : entries) {
            String name = e.name();
            TocEntry te = reader.lookup(name).orElseThrow(() -> new AssertionError("missing " + name));
            if (e.type() == '1') {
                assertSame(reader.lookup(e.linkName()).orElseThrow(), te, "hardlink resolves to its target");
                assertEquals(2, reader.linkCount(name));
                continue;
            }
            assertEquals(typeOf(e.type()), te.type(), name);
            assertEquals(prefix + name, findRaw(reader, name).name(), "TOC keeps the name as written");
            assertEquals(e.mode(), te.mode() & 07777, name);
            assertEquals(e.uid(), te.uid());
            assertEquals(e.uname(), te.userName(), "owner names are carried forward on read");
            if (e.type() == '0') {
                assertEquals(e.content().length, te.size());
                assertEquals(Digest.sha256(e.content()).toString(), te.digest());
                ByteArrayOutputStream content = new ByteArrayOutputStream();
                for (Chunk c : reader.chunksOf(name)) {
                    content.writeBytes(reader.readChunk(c));
                    chunkOffsets.add(c.compressedOffset());
                }
                assertArrayEquals(e.content(), content.toByteArray(), name);
                for (long off = 0; off < e.content().length; off++) {
                    Chunk c = reader.chunkAt(name, off).orElseThrow();
                    assertTrue(c.fileOffset() <= off && off < c.fileEnd());
                }
                assertTrue(reader.chunkAt(name, e.content().length).isEmpty());
            } else if (e.type() == '3' || e.type() == '4') {
                assertEquals(e.major(), te.devMajor());
                assertEquals(e.minor(), te.devMinor());
            } else if (e.type() == '2') {
                assertEquals(e.linkName(), te.linkName());
            }
            if (format == Format.PAX) {
                assertEquals(e.xattrs().keySet(), te.xattrs().keySet());
                e.xattrs().forEach((k, v) -> assertArrayEquals(v, te.xattrs().get(k)));
            }
        }
        TocEntry landmark = reader.lookup(".no.prefetch.landmark").orElseThrow();
        chunkOffsets.add(landmark.offset());
        assertEquals(reader.verifyAllChunks(), chunkOffsets.size(), "one member per chunk");

        // Every member (but the first, the TOC and the footer) starts exactly one chunk, and vice versa.
        List<Long> members = Blobs.memberOffsets(blob);
        Set<Long> dataMembers = new HashSet<>(members);
        dataMembers.remove(0L);
        dataMembers.remove(r.tocOffset());
        dataMembers.remove((long) blob.length - 51);
        assertEquals(dataMembers, chunkOffsets);
        assertEquals(r.tocOffset(), members.get(members.size() - 2));
    }

    private static TocEntry findRaw(EStargzReader reader, String cleanName) {
        return reader.toc().entries().stream()
                .filter(e -> e.type() != EntryType.CHUNK && EntryName.clean(e.name()).equals(EntryName.clean(cleanName)))
                .findFirst().orElseThrow();
    }

    static EntryType typeOf(char t) {
        return switch (t) {
            case '5' -> EntryType.DIR;
            case '1' -> EntryType.HARDLINK;
            case '2' -> EntryType.SYMLINK;
            case '3' -> EntryType.CHAR;
            case '4' -> EntryType.BLOCK;
            case '6' -> EntryType.FIFO;
            default -> EntryType.REG;
        };
    }
}
