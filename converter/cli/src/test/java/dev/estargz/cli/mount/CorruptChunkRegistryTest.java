package dev.estargz.cli.mount;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.estargz.format.reader.Chunk;
import dev.estargz.format.reader.EStargzReader;
import dev.estargz.format.writer.ConvertOptions;
import dev.estargz.format.writer.ConvertResult;
import dev.estargz.format.writer.EStargzConverter;
import dev.estargz.fusefs.mount.FsOptions;
import dev.estargz.fusefs.mount.MountedLayer;
import dev.estargz.registry.Digest;
import dev.estargz.registry.FileBlobSource;
import dev.estargz.testkit.Command;

/**
 * A real {@code docker-registry} faithfully serves a blob one of whose chunks was tampered with after conversion
 * (a byte flipped inside a stored, level-0 gzip member, the member's CRC fixed up so that only the TOC's
 * {@code chunkDigest} can tell), while the TOC and its digest are the original ones: reading the file holding that
 * chunk fails with EIO for {@code cat} and for Java, every time; the files next to it in the blob (fetched in the
 * same coalesced range) read correctly; no wrong byte is ever served.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class CorruptChunkRegistryTest {
    private static final int CHUNK = 64 * 1024;

    @TempDir
    static Path tmp;
    private static final Map<String, byte[]> FILES = new LinkedHashMap<>();
    private static TestRegistry registry;
    private static LayerMounts mounts;
    private static MountedLayer mounted;

    @BeforeAll
    static void serveTamperedBlob() throws IOException, DataFormatException {
        Random random = new Random(5);
        FILES.put("before.bin", bytes(random, CHUNK));
        FILES.put("victim.bin", bytes(random, 3 * CHUNK));
        FILES.put("after.bin", bytes(random, CHUNK + 100));
        FILES.put("small.txt", "small and fine\n".getBytes());
        Path tar = writeTar(tmp.resolve("layer.tar"));
        Path blob = tmp.resolve("layer.esgz");
        ConvertResult converted = new EStargzConverter().convert(tar, blob,
                ConvertOptions.defaults().withChunkSize(CHUNK).withCompressionLevel(0));

        byte[] bytes = Files.readAllBytes(blob);
        Chunk victim;
        try (FileBlobSource source = FileBlobSource.open(blob)) {
            List<Chunk> chunks = EStargzReader.open(source).chunksOf("victim.bin");
            assertEquals(3, chunks.size(), chunks.toString());
            victim = chunks.get(1);
        }
        tamper(bytes, victim, Arrays.copyOfRange(FILES.get("victim.bin"), CHUNK, 2 * CHUNK));
        Path tampered = Files.write(tmp.resolve("tampered.esgz"), bytes);
        Digest tamperedDigest = Digest.sha256(bytes);
        assertNotEquals(converted.blobDigest(), tamperedDigest);

        registry = TestRegistry.start();
        mounts = new LayerMounts(tmp.resolve("m"), FsOptions.defaults());
        // The TOC is untouched, so the manifest's TOC digest (the original one) still matches it.
        mounted = mounts.mount("layer", registry.push("tampered", tampered, tamperedDigest), tamperedDigest,
                converted.tocDigest());
    }

    @AfterAll
    static void stop() {
        try {
            if (mounts != null) {
                mounts.close();
            }
        } finally {
            if (registry != null) {
                registry.close();
            }
        }
    }

    @Test
    void readingTheTamperedFileFailsWithEioInCatAndCmp() throws IOException {
        Path mountedVictim = mounted.mountPoint().resolve("victim.bin");
        Path expected = Files.write(tmp.resolve("victim.expected"), FILES.get("victim.bin"));
        for (int attempt = 0; attempt < 2; attempt++) { // the second read is not served from a poisoned cache
            Command.Result cat = Command.of("sh", "-c", "cat \"$0\" > /dev/null", mountedVictim.toString()).run();
            assertNotEquals(0, cat.exitCode(), "cat read a corrupted file");
            assertTrue(cat.stderr().contains("Input/output error"), cat.stderr());
            // cmp exits 1 on a differing byte and 2 on a read error: every byte served before the error was right.
            Command.Result cmp = Command.of("cmp", expected.toString(), mountedVictim.toString()).run();
            assertEquals(2, cmp.exitCode(), cmp.stdout() + cmp.stderr());
            assertTrue(cmp.stderr().contains("Input/output error"), cmp.stderr());
        }
    }

    @Test
    void javaReadOfTheTamperedFileFailsAndNeverReturnsWrongBytes() {
        IOException e = assertThrows(IOException.class,
                () -> Files.readAllBytes(mounted.mountPoint().resolve("victim.bin")));
        assertTrue(String.valueOf(e.getMessage()).contains("Input/output error"), String.valueOf(e));
    }

    @Test
    void filesAroundTheTamperedChunkReadCorrectly() throws IOException {
        for (String name : List.of("before.bin", "after.bin", "small.txt")) {
            assertArrayEquals(FILES.get(name), Files.readAllBytes(mounted.mountPoint().resolve(name)), name);
            Path expected = Files.write(tmp.resolve(name + ".expected"), FILES.get(name));
            Command.of("cmp", expected.toString(), mounted.mountPoint().resolve(name).toString()).check();
        }
    }

    /**
     * Flips one byte of {@code content} where it lies verbatim in the stored member of {@code chunk}, then rewrites
     * the member's gzip CRC so that the gzip layer still decodes cleanly and only the chunk digest catches it.
     */
    private static void tamper(byte[] blob, Chunk chunk, byte[] content) throws DataFormatException {
        int start = Math.toIntExact(chunk.compressedOffset());
        int end = Math.toIntExact(chunk.compressedEnd());
        byte[] needle = Arrays.copyOfRange(content, content.length / 2, content.length / 2 + 32);
        int at = indexOf(blob, needle, start, end);
        assertTrue(at > 0, "level 0 stores the chunk's bytes verbatim in its member");
        blob[at + 16] ^= 0x5a;

        assertEquals(0x1f, blob[start] & 0xff);
        assertEquals(0x8b, blob[start + 1] & 0xff);
        assertEquals(0, blob[start + 3], "a member header without optional fields");
        Inflater inflater = new Inflater(true);
        inflater.setInput(blob, start + 10, end - start - 10);
        CRC32 crc = new CRC32();
        byte[] buf = new byte[1 << 16];
        long total = 0;
        while (!inflater.finished()) {
            int n = inflater.inflate(buf);
            assertTrue(n > 0 || inflater.finished(), "the tampered member still inflates");
            crc.update(buf, 0, n);
            total += n;
        }
        int trailer = end - 8;
        assertEquals(0, inflater.getRemaining() - 8, "the member ends with its trailer");
        inflater.end();
        ByteBuffer b = ByteBuffer.wrap(blob, trailer, 8).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(total, b.getInt(trailer + 4) & 0xffffffffL, "ISIZE");
        b.putInt(trailer, (int) crc.getValue());
    }

    private static int indexOf(byte[] hay, byte[] needle, int from, int to) {
        for (int i = from; i + needle.length <= to; i++) {
            if (Arrays.equals(hay, i, i + needle.length, needle, 0, needle.length)) {
                return i;
            }
        }
        return -1;
    }

    private static byte[] bytes(Random random, int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    private static Path writeTar(Path out) throws IOException {
        try (OutputStream os = Files.newOutputStream(out); TarArchiveOutputStream tar = new TarArchiveOutputStream(os)) {
            for (Map.Entry<String, byte[]> f : FILES.entrySet()) {
                TarArchiveEntry e = new TarArchiveEntry(f.getKey());
                e.setSize(f.getValue().length);
                e.setMode(0644);
                e.setModTime(1_700_000_000_000L);
                tar.putArchiveEntry(e);
                tar.write(f.getValue());
                tar.closeArchiveEntry();
            }
        }
        return out;
    }
}
