package dev.estargz.format.reader;

import static dev.estargz.format.testing.TestTar.dir;
import static dev.estargz.format.testing.TestTar.file;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.estargz.format.DigestMismatchException;
import dev.estargz.format.InvalidLayerException;
import dev.estargz.format.testing.Blobs;
import dev.estargz.format.testing.ManyEntriesLayer;
import dev.estargz.format.testing.RawLayer;
import dev.estargz.format.testing.TestTar;
import dev.estargz.format.writer.ConvertOptions;
import dev.estargz.format.writer.ConvertResult;
import dev.estargz.format.writer.EStargzConverter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link LayerVerifier}: every member, chunk and file of a layer against its TOC. */
class LayerVerifierTest {
    @TempDir
    static Path tmp;

    private static byte[] blob;
    private static ConvertResult result;

    @BeforeAll
    static void convert() throws Exception {
        Path in = tmp.resolve("in.tar");
        Files.write(in, TestTar.build(List.of(dir("foo/"), file("foo/small", "hello"),
                file("foo/big", "0123456789abcdef"), file("foo/empty", "")), "", TestTar.Format.PAX));
        Path out = tmp.resolve("out.esgz");
        result = new EStargzConverter().convert(in, out, ConvertOptions.defaults().withChunkSize(5));
        blob = Files.readAllBytes(out);
    }

    private static LayerVerifier.Result verify(byte[] b) throws Exception {
        Blobs.CountingSource source = new Blobs.CountingSource(b);
        return LayerVerifier.verify(EStargzReader.open(source), source);
    }

    private static <T extends Exception> T assertFails(Class<T> type, byte[] b, String... parts) {
        T e = assertThrows(type, () -> verify(b));
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "\"" + e.getMessage() + "\" should mention " + p);
        }
        return e;
    }

    private static byte[] rewrite(UnaryOperator<String> f) throws Exception {
        return Blobs.rewriteToc(blob, result.tocOffset(), f);
    }

    @Test
    void theConvertedLayerVerifiesWithEveryChunkAndFile() throws Exception {
        LayerVerifier.Result r = verify(blob);
        assertEquals(1 + 1 + 4, r.chunks()); // landmark, small, big (4 chunks)
        assertEquals(4, r.files()); // the landmark and the three files
    }

    @Test
    void aWrongDigestOfAFileOfOneChunkIsFound() throws Exception {
        String right = RawLayer.sha256("hello");
        byte[] b = rewrite(j -> j.replaceFirst("\"digest\": \"" + right + "\"",
                "\"digest\": \"" + RawLayer.sha256("HELLO") + "\""));
        DigestMismatchException e = assertFails(DigestMismatchException.class, b, "foo/small", "file content");
        assertEquals(right, e.actual());
    }

    @Test
    void aWrongDigestOfAChunkedFileIsFoundThoughEveryChunkMatches() throws Exception {
        String right = RawLayer.sha256("0123456789abcdef");
        byte[] b = rewrite(j -> j.replace(right, RawLayer.sha256("0123456789abcdeF")));
        assertFails(DigestMismatchException.class, b, "foo/big", "file content");
    }

    @Test
    void aWrongDigestOfAnEmptyFileIsFound() throws Exception {
        String empty = RawLayer.sha256("");
        byte[] b = rewrite(j -> j.replace("\"digest\": \"" + empty + "\"", "\"digest\": \"" + RawLayer.sha256("x")
                + "\""));
        assertFails(DigestMismatchException.class, b, "foo/empty");
    }

    @Test
    void anUnparsableFileDigestIsFound() throws Exception {
        byte[] b = rewrite(j -> j.replaceFirst("\"digest\": \"sha256:[0-9a-f]+\"", "\"digest\": \"md5:abc\""));
        assertFails(InvalidLayerException.class, b, "unparsable digest");
    }

    @Test
    void aMemberWithAWrongCrcIsFoundThoughItsDataMatches() throws Exception {
        long member = EStargzReader.open(new Blobs.CountingSource(blob)).chunksOf("foo/big").get(1)
                .compressedOffset();
        long next = EStargzReader.open(new Blobs.CountingSource(blob)).chunksOf("foo/big").get(2)
                .compressedOffset();
        byte[] bad = blob.clone();
        bad[(int) next - 8] ^= 0x01; // the CRC-32 of the member before the next one
        EStargzReader r = EStargzReader.open(new Blobs.CountingSource(bad));
        r.readChunk(r.chunksOf("foo/big").get(1)); // a lazy read sees the right bytes and stops there
        assertFails(InvalidLayerException.class, bad, "at " + member, "CRC-32");
    }

    @Test
    void aMemberWithAWrongLengthIsFound() throws Exception {
        long next = EStargzReader.open(new Blobs.CountingSource(blob)).chunksOf("foo/big").get(2)
                .compressedOffset();
        byte[] bad = blob.clone();
        bad[(int) next - 4] ^= 0x01; // ISIZE
        assertFails(InvalidLayerException.class, bad, "trailer says");
    }

    @Test
    void aHeaderMemberWithAWrongCrcIsFound() throws Exception {
        long first = EStargzReader.open(new Blobs.CountingSource(blob)).entries().stream()
                .filter(e -> e.offset() > 0).findFirst().orElseThrow().offset();
        byte[] bad = blob.clone();
        bad[(int) first - 8] ^= 0x01;
        assertFails(InvalidLayerException.class, bad, "CRC-32");
    }

    @Test
    void aTocMemberWithAWrongCrcIsRefusedWhenOpened() throws Exception {
        byte[] bad = blob.clone();
        bad[bad.length - 51 - 8] ^= 0x01;
        InvalidLayerException e = assertThrows(InvalidLayerException.class,
                () -> EStargzReader.open(new Blobs.CountingSource(bad)));
        assertTrue(e.getMessage().contains("CRC-32"), e.getMessage());
    }

    @Test
    void bytesBetweenMembersThatAreNoMemberAreFound() throws Exception {
        RawLayer layer = new RawLayer().file("a", "aaa");
        byte[] withGarbage = Blobs.withToc(concat(layer.payload(), new byte[] {1, 2, 3}),
                layer.tocJson().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertFails(InvalidLayerException.class, withGarbage, "\"a\"", "not a gzip member");
    }

    @Test
    void aMemberShorterOrLongerThanItsChunkIsFound() throws Exception {
        RawLayer shorter = new RawLayer();
        long at = shorter.member("01234".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        shorter.entry("{\"name\":\"a\",\"type\":\"reg\",\"size\":10,\"offset\":" + at
                + ",\"chunkDigest\":\"" + RawLayer.sha256("0123456789") + "\"}");
        assertFails(InvalidLayerException.class, shorter.build(), "\"a\"", "before the end of the chunk");

        // Longer is what every member holding a file is (tar padding and the next headers follow the payload);
        // only the digest tells the payload apart
        RawLayer longer = new RawLayer();
        at = longer.member("0123456789".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        longer.entry("{\"name\":\"a\",\"type\":\"reg\",\"size\":5,\"offset\":" + at
                + ",\"chunkDigest\":\"" + RawLayer.sha256("01234") + "\"}");
        verify(longer.build());
    }

    @Test
    void aHundredThousandEntriesVerify() throws Exception {
        LayerVerifier.Result r = verify(ManyEntriesLayer.build(100_000));
        assertEquals(99_900, r.chunks());
        assertEquals(99_900, r.files());
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
