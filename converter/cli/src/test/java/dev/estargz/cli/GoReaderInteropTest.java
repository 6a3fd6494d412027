package dev.estargz.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import com.github.luben.zstd.ZstdOutputStream;

import dev.estargz.format.reader.EStargzReader;
import dev.estargz.registry.FileBlobSource;
import dev.estargz.testkit.GoChecker;
import dev.estargz.testkit.ReaderListing;
import dev.estargz.testkit.TestLayers;
import dev.estargz.testkit.TreeListing;

/**
 * Every blob {@code estargz convert} writes is accepted by the reference Go reader (estargz.Open, VerifyTOC, every
 * chunk verified, every file read), and the tree it sees equals the source tar; read as a plain gzip tar (what a
 * non-lazy pull does) the blob also gives the source tree.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class GoReaderInteropTest {
    private static final Set<String> ADDED = Set.of(".prefetch.landmark", ".no.prefetch.landmark",
            TreeListing.TOC_ENTRY);

    @TempDir
    Path tmp;

    private static GoChecker go;

    @BeforeAll
    static void buildChecker() throws IOException {
        go = GoChecker.build();
    }

    @ParameterizedTest(name = "{0} tar, {1}")
    @CsvSource({"ustar,plain", "ustar,gzip", "pax,plain", "pax,gzip", "pax,zstd", "gnu,plain", "gnu,zstd"})
    void syntheticTarWithEveryEntryTypeIsReadByTheReference(String format, String compression) throws IOException {
        Path tar = tmp.resolve(format + ".tar");
        go.makeTar(format, tar);
        Path in = compress(tar, compression);

        Path blob = convert(in, "--chunk-size", "65536");

        assertReferenceSeesSourceTree(tar, blob);
    }

    @Test
    void busyboxLayerIsReadByTheReference() throws IOException {
        Path layer = TestLayers.busybox();

        assertReferenceSeesSourceTree(layer, convert(layer));
    }

    @Test
    void busyboxLayerWithPrioritizedFilesIsReadByTheReference() throws IOException {
        Path layer = TestLayers.busybox();
        Path list = Files.writeString(tmp.resolve("prio.txt"), "bin/sh\netc/hostname\n");

        Path blob = convert(layer, "--prioritized-files", list.toString(), "--chunk-size", "100000");

        assertReferenceSeesSourceTree(layer, blob);
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.MINUTES)
    void debootstrapLayerIsReadByTheReferenceAndByUs() throws IOException {
        Path layer = TestLayers.debootstrap();

        Path blob = convert(layer);

        TreeListing source = assertReferenceSeesSourceTree(layer, blob);
        try (FileBlobSource src = FileBlobSource.open(blob)) {
            source.assertSameAs(ReaderListing.of(EStargzReader.open(src)).without(ADDED), "our reader");
        }
    }

    private Path convert(Path in, String... options) {
        Path out = tmp.resolve(in.getFileName() + "-" + System.nanoTime() + ".esgz");
        String[] args = new String[options.length + 3];
        args[0] = "convert";
        System.arraycopy(options, 0, args, 1, options.length);
        args[options.length + 1] = in.toString();
        args[options.length + 2] = out.toString();
        Cli.run(args).ok();
        return out;
    }

    private static TreeListing assertReferenceSeesSourceTree(Path sourceTar, Path blob) throws IOException {
        TreeListing source = TreeListing.ofTar(sourceTar);
        String tocDigest = Cli.run("toc-digest", blob.toString()).ok().stdout().strip();
        source.assertSameAs(go.listBlob(blob, tocDigest).without(ADDED), "reference reader");
        source.assertSameAs(go.listTar(blob).without(ADDED), "blob read as a gzip tar");
        return source;
    }

    private Path compress(Path tar, String compression) throws IOException {
        if (compression.equals("plain")) {
            return tar;
        }
        Path out = tmp.resolve(tar.getFileName() + "." + compression);
        try (InputStream in = Files.newInputStream(tar);
                OutputStream os = compression.equals("gzip")
                        ? new java.util.zip.GZIPOutputStream(Files.newOutputStream(out))
                        : new ZstdOutputStream(Files.newOutputStream(out))) {
            in.transferTo(os);
        }
        return out;
    }
}
