package dev.estargz.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.estargz.format.reader.EStargzReader;
import dev.estargz.format.toc.TocEntry;
import dev.estargz.registry.Digest;
import dev.estargz.registry.FileBlobSource;
import dev.estargz.testkit.TestLayers;

/** {@code estargz convert}: what it reports, reproducibility across thread counts, prioritised files. */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ConvertCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void reportsTheDigestsOfWhatItWrote() throws IOException {
        Path out = tmp.resolve("bb.esgz");

        Cli.Result r = Cli.run("convert", TestLayers.busybox().toString(), out.toString()).ok();

        assertTrue(r.stdout().contains("blob digest:       " + Digest.sha256(Files.readAllBytes(out))), r.stdout());
        assertTrue(r.stdout().contains("diffID:            " + diffId(out)), r.stdout());
        String toc = Cli.run("toc-digest", out.toString()).ok().stdout().strip();
        assertTrue(r.stdout().contains("TOC digest:        " + toc), r.stdout());
    }

    @Test
    void jsonOutputIsOneParseableObject() throws IOException {
        Path out = tmp.resolve("bb.esgz");

        Cli.Result r = Cli.run("convert", "--json", TestLayers.busybox().toString(), out.toString()).ok();

        assertEquals(1, r.stdout().lines().count());
        JsonNode j = JSON.readTree(r.stdout());
        assertEquals(Digest.sha256(Files.readAllBytes(out)).toString(), j.get("blobDigest").asText());
        assertEquals(diffId(out), j.get("diffID").asText());
        assertEquals(Files.size(out), j.get("blobSize").asLong());
        assertEquals(Cli.run("toc-digest", out.toString()).ok().stdout().strip(), j.get("tocDigest").asText());
        assertTrue(j.get("uncompressedSize").asLong() > Files.size(out));
    }

    @Test
    void outputIsByteIdenticalForOneAndManyThreads() throws IOException {
        Path layer = TestLayers.busybox();
        Path one = tmp.resolve("one.esgz");
        Path many = tmp.resolve("many.esgz");

        Cli.run("convert", "--threads", "1", "--chunk-size", "65536", layer.toString(), one.toString()).ok();
        Cli.run("convert", "--threads", "7", "--chunk-size", "65536", layer.toString(), many.toString()).ok();

        assertArrayEquals(Files.readAllBytes(one), Files.readAllBytes(many));
    }

    @Test
    void prioritizedFilesComeFirstWithTheirParentsThenTheLandmark() throws IOException {
        Path list = Files.writeString(tmp.resolve("prio.txt"), "# comment\n/etc/hostname\nbin/sh\n");
        Path out = tmp.resolve("bb.esgz");

        Cli.run("convert", "--prioritized-files", list.toString(), TestLayers.busybox().toString(), out.toString())
                .ok();

        try (FileBlobSource src = FileBlobSource.open(out)) {
            EStargzReader r = EStargzReader.open(src);
            List<String> names = r.entries().stream().map(TocEntry::name).limit(6).toList();
            assertEquals(List.of("", "etc", "etc/hostname", "bin", "bin/sh", ".prefetch.landmark"), names);
            assertTrue(r.prefetchSize().orElseThrow() > 0);
        }
    }

    @Test
    void recordFileSkipsPathsMissingFromTheLayerAndSaysSo() throws IOException {
        Path record = Files.writeString(tmp.resolve("record.json"),
                "{\"path\":\"bin/busybox\",\"manifestDigest\":\"sha256:00\",\"layerIndex\":0}\n"
                        + "{\"path\":\"no/such/file\",\"manifestDigest\":\"sha256:00\",\"layerIndex\":0}\n");
        Path out = tmp.resolve("bb.esgz");

        Cli.Result r = Cli.run("convert", "--json", "--record-in", record.toString(),
                TestLayers.busybox().toString(), out.toString()).ok();

        JsonNode j = JSON.readTree(r.stdout());
        assertEquals("no/such/file", j.get("missingPrioritizedFiles").get(0).asText());
        assertTrue(j.get("prefetchSize").asLong() > 1_000_000, "busybox binary is in the prefetch region");
    }

    @Test
    void prioritizedFileMissingFromTheLayerFailsAndLeavesNothing() throws IOException {
        Path list = Files.writeString(tmp.resolve("prio.txt"), "no/such/file\n");
        Path out = tmp.resolve("bb.esgz");

        Cli.Result r = Cli.run("convert", "--prioritized-files", list.toString(), TestLayers.busybox().toString(),
                out.toString());

        assertEquals(1, r.exitCode());
        assertEquals(1, r.errLines().size(), r.stderr());
        assertTrue(r.stderr().contains("no/such/file"), r.stderr());
        assertFalse(Files.exists(out));
    }

    @Test
    void usageErrorsExitWithTwo() throws IOException {
        String layer = TestLayers.busybox().toString();
        String out = tmp.resolve("x.esgz").toString();

        assertEquals(2, Cli.run("convert", layer).exitCode());
        assertEquals(2, Cli.run("convert", "--compression-level", "10", layer, out).exitCode());
        assertEquals(2, Cli.run("convert", "--chunk-size", "0", layer, out).exitCode());
        assertEquals(2, Cli.run("convert", "--threads", "0", layer, out).exitCode());
        assertEquals(2, Cli.run("convert", "--prioritized-files", layer, "--record-in", layer, layer, out).exitCode());
        assertEquals(2, Cli.run("convert", "--bogus", layer, out).exitCode());
        assertFalse(Files.exists(Path.of(out)));
    }

    static String diffId(Path blob) throws IOException {
        MessageDigest md = Digest.newSha256();
        try (InputStream in = new DigestInputStream(new GzipCompressorInputStream(Files.newInputStream(blob), true), md)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        return Digest.ofSha256(md.digest()).toString();
    }
}
