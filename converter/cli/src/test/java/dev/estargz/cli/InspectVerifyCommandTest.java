package dev.estargz.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.estargz.format.reader.Chunk;
import dev.estargz.format.reader.EStargzReader;
import dev.estargz.registry.FileBlobSource;
import dev.estargz.testkit.GoChecker;

/** {@code estargz inspect}, {@code verify} and {@code toc-digest} on a blob we wrote and on damaged copies. */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class InspectVerifyCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path tmp;

    private static GoChecker go;
    private static Path blob;
    private static String tocDigest;

    @BeforeAll
    static void convertSyntheticLayer() throws IOException {
        go = GoChecker.build();
        Path tar = tmp.resolve("pax.tar");
        go.makeTar("pax", tar);
        blob = tmp.resolve("pax.esgz");
        // Level 0 keeps payload bytes verbatim in the blob, so a flipped byte lands in known file data.
        Cli.run("convert", "--chunk-size", "65536", "--compression-level", "0", tar.toString(), blob.toString()).ok();
        tocDigest = Cli.run("toc-digest", blob.toString()).ok().stdout().strip();
    }

    @Test
    void tocDigestPrintsOneDigestTheReferenceAgreesWith() throws IOException {
        assertTrue(tocDigest.matches("sha256:[0-9a-f]{64}"), tocDigest);
        go.checkBlob(blob, tocDigest).check(); // the reference's VerifyTOC accepts exactly this digest
    }

    @Test
    void inspectShowsFooterTocAndLandmark() {
        String out = Cli.run("inspect", blob.toString()).ok().stdout();

        assertTrue(out.contains("footer:        estargz (51 bytes)"), out);
        assertTrue(out.contains("TOC digest:    " + tocDigest), out);
        assertTrue(out.contains("landmark:      .no.prefetch.landmark"), out);
        assertTrue(out.contains("char 1, block 1, fifo 1"), out);
        assertTrue(out.lines().noneMatch(l -> l.equals("entries:")), "entries are listed only with --entries");
    }

    @Test
    void inspectListsEntriesOnRequest() {
        String out = Cli.run("inspect", "--entries", blob.toString()).ok().stdout();

        assertTrue(out.lines().anyMatch(l -> l.matches("\\s+symlink\\s+777\\s+0:0\\s+0\\s+0\\s+bin/sh -> busybox")),
                out);
        assertTrue(out.lines().anyMatch(l -> l.matches("\\s+reg\\s+4755 .*bin/su")), out);
    }

    @Test
    void inspectJsonIsOneParseableObject() throws IOException {
        Cli.Result r = Cli.run("inspect", "--json", "--entries", blob.toString()).ok();

        assertEquals(1, r.stdout().lines().count());
        JsonNode j = JSON.readTree(r.stdout());
        assertEquals(tocDigest, j.get("tocDigest").asText());
        assertEquals(Files.size(blob), j.get("blobSize").asLong());
        assertEquals(1, j.get("entryCounts").get("fifo").asInt());
        assertEquals(0, j.get("prefetchSize").asLong());
        assertTrue(j.get("entries").size() > 30);
    }

    @Test
    void verifyAcceptsTheRightTocDigest() throws IOException {
        Cli.Result r = Cli.run("verify", "--json", "--toc-digest", tocDigest, blob.toString()).ok();

        JsonNode j = JSON.readTree(r.stdout());
        assertTrue(j.get("ok").asBoolean());
        assertTrue(j.get("chunksVerified").asLong() >= 10);
    }

    @Test
    void verifyRejectsAnotherTocDigestInOneLine() {
        String other = "sha256:" + "0".repeat(64);

        Cli.Result r = Cli.run("verify", "--toc-digest", other, blob.toString());

        assertEquals(1, r.exitCode());
        assertEquals(1, r.errLines().size(), r.stderr());
        assertTrue(r.stderr().contains(other) && r.stderr().contains(tocDigest), r.stderr());
    }

    @Test
    void verifyDetectsAFlippedByteInAChunk() throws IOException {
        Path damaged = tmp.resolve("damaged.esgz");
        byte[] bytes = Files.readAllBytes(blob);
        Chunk target;
        try (FileBlobSource src = FileBlobSource.open(blob)) {
            target = EStargzReader.open(src).chunksOf("bin/busybox").get(1);
        }
        // a byte in the middle of the member: with level 0 that is file data inside a stored block
        int at = (int) (target.compressedOffset() + target.compressedSize() / 2);
        bytes[at] ^= 0x01;
        Files.write(damaged, bytes);

        Cli.Result r = Cli.run("verify", "--toc-digest", tocDigest, damaged.toString());

        assertEquals(1, r.exitCode());
        assertEquals(1, r.errLines().size(), r.stderr());
        assertTrue(r.stderr().contains("bin/busybox"), r.stderr());
        assertNotEquals(0, go.checkBlob(damaged, tocDigest).exitCode(), "the reference must reject it too");
    }

    @Test
    void verifyRejectsATruncatedBlob() throws IOException {
        Path truncated = tmp.resolve("truncated.esgz");
        byte[] bytes = Files.readAllBytes(blob);
        Files.write(truncated, java.util.Arrays.copyOf(bytes, bytes.length - 10));

        Cli.Result r = Cli.run("verify", truncated.toString());

        assertEquals(1, r.exitCode());
        assertEquals(1, r.errLines().size(), r.stderr());
        assertTrue(r.stderr().startsWith("estargz: " + truncated), r.stderr());
    }
}
