package dev.estargz.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.estargz.testkit.TestLayers;

/**
 * Bad input to {@code convert} gives exit code 1, one line on stderr naming the problem, and nothing at OUT
 * (not even a partial file next to it).
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class BadInputTest {
    @TempDir
    Path tmp;

    @Test
    void truncatedGzip() throws IOException {
        byte[] layer = Files.readAllBytes(TestLayers.busybox());
        Path in = Files.write(tmp.resolve("truncated.tar.gz"), Arrays.copyOf(layer, layer.length / 2));

        assertRejected(in, null);
    }

    @Test
    void notATar() throws IOException {
        Path in = Files.writeString(tmp.resolve("notes.txt"), "this is not a tar archive\n".repeat(100));

        assertRejected(in, null);
    }

    @Test
    void tarContainingTheTocEntry() throws IOException {
        Path in = tar("with-toc.tar", List.of("etc/", "stargz.index.json"));

        assertRejected(in, "stargz.index.json");
    }

    @Test
    void nameEscapingTheRoot() throws IOException {
        Path in = tar("dotdot.tar", List.of("etc/", "../../etc/evil"));

        assertRejected(in, "../../etc/evil");
    }

    @Test
    void missingInput() {
        assertRejected(tmp.resolve("nowhere.tar"), "nowhere.tar");
    }

    private void assertRejected(Path in, String named) {
        Path outDir = tmp.resolve("out-" + System.nanoTime());
        Path out = outDir.resolve("out.esgz");
        try {
            Files.createDirectories(outDir);
        } catch (IOException e) {
            throw new AssertionError(e);
        }

        Cli.Result r = Cli.run("convert", in.toString(), out.toString());

        assertEquals(1, r.exitCode(), r.stderr());
        assertEquals(1, r.errLines().size(), "one line: " + r.stderr());
        assertTrue(r.stderr().startsWith("estargz: "), r.stderr());
        if (named != null) {
            assertTrue(r.stderr().contains(named), r.stderr());
        }
        assertFalse(r.stderr().contains("\tat "), "no stack trace: " + r.stderr());
        try (Stream<Path> left = Files.list(outDir)) {
            assertEquals(List.of(), left.toList(), "nothing left next to OUT");
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private Path tar(String name, List<String> entries) throws IOException {
        Path p = tmp.resolve(name);
        try (OutputStream os = Files.newOutputStream(p); TarArchiveOutputStream t = new TarArchiveOutputStream(os)) {
            for (String e : entries) {
                TarArchiveEntry te = new TarArchiveEntry(e, true); // preserve "../" as written
                byte[] body = e.endsWith("/") ? new byte[0] : "{}".getBytes(StandardCharsets.UTF_8);
                te.setSize(body.length);
                t.putArchiveEntry(te);
                t.write(body);
                t.closeArchiveEntry();
            }
        }
        return p;
    }
}
