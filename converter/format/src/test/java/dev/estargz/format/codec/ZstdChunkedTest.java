package dev.estargz.format.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.luben.zstd.ZstdInputStream;
import dev.estargz.format.InvalidLayerException;
import dev.estargz.format.footer.Footer;
import dev.estargz.format.reader.Chunk;
import dev.estargz.format.reader.EStargzReader;
import dev.estargz.format.testing.Blobs;
import dev.estargz.format.testing.TarListing;
import dev.estargz.format.testing.TestTar;
import dev.estargz.format.writer.ConvertOptions;
import dev.estargz.format.writer.ConvertResult;
import dev.estargz.format.writer.EStargzConverter;
import dev.estargz.registry.Digest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * zstd:chunked written through the same writer as eStargz with the zstd codec: the stargz-snapshotter layout
 * byte for byte at the end of the blob (REFERENCE.md §2.3), read back by our reader; and the containers/storage
 * 64-byte-footer variant, rebuilt from the same frames, read too.
 */
class ZstdChunkedTest {
    private static final int SKIPPABLE = 0x184D2A50;

    @TempDir
    Path tmp;
    private byte[] tar;
    private byte[] blob;
    private ConvertResult result;

    @BeforeEach
    void convert() throws IOException {
        tar = TestTar.build(List.of(TestTar.dir("etc/"), TestTar.file("etc/hosts", "127.0.0.1 localhost\n"),
                TestTar.file("big", "0123456789".repeat(1000)), TestTar.file("empty", ""),
                TestTar.symlink("link", "etc/hosts")), "", TestTar.Format.PAX);
        Path in = tmp.resolve("in.tar");
        Files.write(in, tar);
        Path out = tmp.resolve("out.zst");
        result = new EStargzConverter(new ZstdChunkedCodec()).convert(in, out,
                ConvertOptions.defaults().withChunkSize(4096).withCompressionLevel(3).withThreads(2));
        blob = Files.readAllBytes(out);
    }

    private static long le64(byte[] b, int at) {
        return ByteBuffer.wrap(b, at, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    private static int le32(byte[] b, int at) {
        return ByteBuffer.wrap(b, at, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
    }

    @Test
    void blobEndsWithTheReferenceTocFrameAndFortyByteFooterFrame() throws IOException {
        int n = blob.length;
        assertEquals(SKIPPABLE, le32(blob, n - 48), "footer is a skippable frame");
        assertEquals(40, le32(blob, n - 44));
        assertEquals("GnUlInUx", new String(blob, n - 8, 8, StandardCharsets.US_ASCII));
        long tocOff = le64(blob, n - 40);
        long compressed = le64(blob, n - 32);
        long raw = le64(blob, n - 24);
        assertEquals(1, le64(blob, n - 16), "manifest type CRFS");
        assertEquals(result.tocOffset() + 8, tocOff, "TOC offset is after its skippable-frame header");
        assertEquals(SKIPPABLE, le32(blob, (int) result.tocOffset()));
        assertEquals(compressed, le32(blob, (int) result.tocOffset() + 4));
        assertEquals(n - 48, tocOff + compressed, "TOC frame is followed by the footer frame");
        byte[] json;
        try (InputStream in = new ZstdInputStream(new ByteArrayInputStream(blob, (int) tocOff, (int) compressed))) {
            json = in.readAllBytes();
        }
        assertEquals(raw, json.length);
        assertTrue(new String(json, StandardCharsets.UTF_8).startsWith("{\n\t\"version\": 1,"), "raw JSON, not a tar");
        assertEquals(Digest.sha256(json), result.tocDigest());
    }

    @Test
    void decompressesToTheTarEntriesWithoutEndOfArchive() throws IOException {
        byte[] stream;
        try (InputStream in = new ZstdInputStream(new ByteArrayInputStream(blob))) {
            stream = in.readAllBytes();
        }
        assertEquals(Digest.sha256(stream), result.diffId());
        assertEquals(stream.length, result.uncompressedSize());
        assertEquals(TarListing.describe(tar, List.of()), TarListing.describe(stream,
                List.of(".no.prefetch.landmark")));
        byte[] tail = Arrays.copyOfRange(stream, stream.length - 1024, stream.length);
        assertTrue(!Arrays.equals(tail, new byte[1024]), "no end-of-archive blocks, as the reference writes");
    }

    @Test
    void ourReaderOpensAndVerifiesEveryChunk() throws IOException {
        EStargzReader r = EStargzReader.open(new Blobs.CountingSource(blob));
        assertInstanceOf(Footer.StargzZstdChunked.class, r.footer());
        assertInstanceOf(ZstdChunkedCodec.class, r.codec());
        r.verifyToc(result.tocDigest());
        assertTrue(r.verifyAllChunks() >= 4);
        ByteArrayOutputStream big = new ByteArrayOutputStream();
        for (Chunk c : r.chunksOf("big")) {
            big.writeBytes(r.readChunk(c));
        }
        assertEquals("0123456789".repeat(1000), big.toString(StandardCharsets.UTF_8));
        assertEquals("etc/hosts", r.lookup("link").orElseThrow().linkName());
    }

    @Test
    void aFooterGivingAnotherTocSizeIsRefused() {
        byte[] bad = blob.clone();
        bad[bad.length - 24] ^= 0x01; // the uncompressed TOC length in the 40-byte footer
        dev.estargz.format.InvalidLayerException e = org.junit.jupiter.api.Assertions.assertThrows(
                dev.estargz.format.InvalidLayerException.class,
                () -> EStargzReader.open(new Blobs.CountingSource(bad)));
        assertTrue(e.getMessage().contains("footer says the TOC JSON is"), e.getMessage());
    }

    @Test
    void containersStorageVariantWithSixtyFourByteFooterIsRead() throws IOException {
        int n = blob.length;
        long tocOff = le64(blob, n - 40);
        long compressed = le64(blob, n - 32);
        long raw = le64(blob, n - 24);
        ByteArrayOutputStream cs = new ByteArrayOutputStream();
        cs.write(blob, 0, (int) (tocOff + compressed)); // data frames and the TOC frame as they are
        byte[] tarSplit = zstd("{}\n");
        long tarSplitOff = cs.size() + 8;
        skippable(cs, tarSplit);
        ByteBuffer footer = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        footer.putLong(tocOff).putLong(compressed).putLong(raw).putLong(1)
                .putLong(tarSplitOff).putLong(tarSplit.length).putLong(3)
                .put("GNUlInUx".getBytes(StandardCharsets.US_ASCII));
        skippable(cs, footer.array());
        EStargzReader r = EStargzReader.open(new Blobs.CountingSource(cs.toByteArray()));
        assertInstanceOf(Footer.ContainersZstdChunked.class, r.footer());
        r.verifyToc(result.tocDigest());
        assertTrue(r.verifyAllChunks() >= 4);
    }

    @Test
    void footerWhoseTocDoesNotFitIsInvalid() {
        byte[] bad = blob.clone();
        ByteBuffer.wrap(bad, bad.length - 32, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(bad.length);
        InvalidLayerException e = assertThrows(InvalidLayerException.class,
                () -> EStargzReader.open(new Blobs.CountingSource(bad)));
        assertTrue(e.getMessage().contains("does not fit"), e.getMessage());
    }

    @Test
    void corruptTocFrameIsInvalid() {
        byte[] bad = blob.clone();
        int tocOff = (int) le64(bad, bad.length - 40);
        bad[tocOff + 5] ^= 0x55;
        bad[tocOff + 6] ^= 0x55;
        assertThrows(InvalidLayerException.class, () -> EStargzReader.open(new Blobs.CountingSource(bad)));
    }

    private static byte[] zstd(String s) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (var enc = new ZstdChunkedCodec().newEncoder(3)) {
            enc.writeMember(new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8)), out);
        }
        return out.toByteArray();
    }

    private static void skippable(ByteArrayOutputStream out, byte[] content) {
        ByteBuffer h = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(SKIPPABLE).putInt(content.length);
        out.writeBytes(h.array());
        out.writeBytes(content);
    }
}
