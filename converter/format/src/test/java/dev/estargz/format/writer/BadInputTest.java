package dev.estargz.format.writer;

import static dev.estargz.format.testing.TestTar.dir;
import static dev.estargz.format.testing.TestTar.file;
import static dev.estargz.format.testing.TestTar.link;
import static dev.estargz.format.testing.TestTar.symlink;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.estargz.format.InvalidLayerException;
import dev.estargz.format.testing.TestTar;
import dev.estargz.format.testing.TestTar.Compression;
import dev.estargz.format.testing.TestTar.Format;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every bad input gets an error naming the problem, and nothing is left at the output path. */
class BadInputTest {
    @TempDir
    Path tmp;

    private InvalidLayerException rejected(byte[] input, String... messageParts) throws Exception {
        Path in = tmp.resolve("in");
        Files.write(in, input);
        Path out = tmp.resolve("out.esgz");
        InvalidLayerException e = assertThrows(InvalidLayerException.class,
                () -> new EStargzConverter().convert(in, out, ConvertOptions.defaults().withThreads(2)));
        for (String part : messageParts) {
            assertTrue(e.getMessage().contains(part), "message \"" + e.getMessage() + "\" should mention " + part);
        }
        try (var files = Files.list(tmp)) {
            assertEquals(List.of(in), files.toList(), "nothing but the input is left");
        }
        return e;
    }

    private static byte[] tar(TestTar.Entry... entries) {
        return TestTar.build(List.of(entries), "", Format.PAX);
    }

    @Test
    void absoluteNamesAreRejected() throws Exception {
        InvalidLayerException e = rejected(TestTar.build(List.of(dir("etc/"), file("etc/passwd", "x")), "/",
                Format.USTAR), "/etc/", "absolute");
        assertEquals("/etc/", e.entry());
    }

    @Test
    void namesClimbingOutOfTheRootAreRejected() throws Exception {
        rejected(TestTar.build(List.of(file("x", "x")), "../", Format.GNU), "../x", "..");
        rejected(tar(dir("a/"), file("a/../../b", "x")), "a/../../b");
    }

    @Test
    void aTarThatAlreadyHasATocIsRejected() throws Exception {
        rejected(tar(file("a", "x"), file("stargz.index.json", "{}")), "stargz.index.json", "already");
    }

    @Test
    void hardlinksMustPointToAnEarlierEntry() throws Exception {
        rejected(tar(link("l", "a"), file("a", "x")), "\"l\"", "not an earlier entry");
        rejected(tar(file("a", "x"), link("l", "missing")), "missing");
        rejected(tar(dir("d/"), link("l", "d/")), "hardlink to directory");
    }

    @Test
    void entriesBelowASymlinkAreRejected() throws Exception {
        rejected(tar(symlink("etc", "/etc"), file("etc/passwd", "x")), "etc/passwd", "symlink");
    }

    @Test
    void truncatedGzipIsRejected() throws Exception {
        byte[] gz = TestTar.compress(tar(file("a", "x".repeat(100000))), Compression.GZIP);
        rejected(Arrays.copyOf(gz, gz.length / 2), "truncated or corrupt gzip");
    }

    @Test
    void truncatedZstdIsRejected() throws Exception {
        byte[] z = TestTar.compress(tar(file("a", "x".repeat(100000))), Compression.ZSTD);
        rejected(Arrays.copyOf(z, z.length - 5), "truncated or corrupt zstd");
    }

    @Test
    void truncatedTarIsRejected() throws Exception {
        byte[] t = tar(file("a", "y".repeat(5000)));
        rejected(Arrays.copyOf(t, 2048), "truncated", "\"a\"");
        rejected(Arrays.copyOf(t, 300), "truncated tar header");
    }

    @Test
    void somethingThatIsNotATarIsRejected() throws Exception {
        rejected("this is plainly not a tar archive, just some text that goes on and on ...".repeat(20)
                .getBytes(StandardCharsets.UTF_8), "checksum");
    }

    @Test
    void hugeSizesAreRejected() throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(TestTar.header("huge", "", '0', 1L << 40, "", file("huge", ""), "ustar\u000000", 0, 0));
        b.writeBytes(new byte[4096]);
        rejected(b.toByteArray(), "\"huge\"", String.valueOf(1L << 40));
    }

    @Test
    void unsupportedEntryTypesAreNamed() throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(TestTar.header("sparse", "", 'S', 0, "", file("sparse", ""), "ustar  \u0000", 0, 0));
        b.writeBytes(new byte[1024]);
        rejected(b.toByteArray(), "sparse");
    }

    @Test
    void missingPrioritisedFilesFailUnlessAllowed() throws Exception {
        Path in = tmp.resolve("in");
        Files.write(in, tar(file("a", "x")));
        Path out = tmp.resolve("out.esgz");
        InvalidLayerException e = assertThrows(InvalidLayerException.class, () -> new EStargzConverter().convert(in,
                out, ConvertOptions.defaults().withPrioritizedFiles(List.of("/nope"), false)));
        assertTrue(e.getMessage().contains("/nope"), e.getMessage());
        assertTrue(Files.notExists(out));
        ConvertResult r = new EStargzConverter().convert(in, out,
                ConvertOptions.defaults().withPrioritizedFiles(List.of("/nope", "a"), true));
        assertEquals(List.of("/nope"), r.missingPrioritizedFiles());
    }

    @Test
    void aFailedConversionLeavesAnExistingOutputAlone() throws Exception {
        Path in = tmp.resolve("in");
        Files.write(in, tar(file("stargz.index.json", "x")));
        Path out = tmp.resolve("out.esgz");
        Files.writeString(out, "previous");
        assertThrows(InvalidLayerException.class, () -> new EStargzConverter().convert(in, out,
                ConvertOptions.defaults()));
        assertArrayEquals("previous".getBytes(StandardCharsets.UTF_8), Files.readAllBytes(out));
        try (var files = Files.list(tmp)) {
            assertEquals(2, files.count());
        }
    }
}
