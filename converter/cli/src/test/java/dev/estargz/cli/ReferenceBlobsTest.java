package dev.estargz.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.estargz.format.reader.EStargzReader;
import dev.estargz.registry.Digest;
import dev.estargz.registry.FileBlobSource;
import dev.estargz.testkit.GoChecker;
import dev.estargz.testkit.OciArchive;
import dev.estargz.testkit.ReaderListing;
import dev.estargz.testkit.ReferenceConversion;
import dev.estargz.testkit.TreeListing;

/**
 * Blobs written by the reference converter are read and verified by our reader and show the source tree:
 * layers converted by {@code ctr-remote image convert --estargz --oci} in a private containerd (TOC digest taken
 * from the manifest annotation), and blobs from the reference library's {@code estargz.Build}.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class ReferenceBlobsTest {
    @TempDir
    static Path tmp;

    private static GoChecker go;
    private static ReferenceConversion converted;

    @BeforeAll
    static void convertWithCtrRemote() throws IOException {
        go = GoChecker.build();
        converted = ReferenceConversion.run(tmp, go);
    }

    @AfterAll
    static void release() {
        converted = null;
    }

    @Test
    void ctrRemoteBusyboxLayerVerifiesAndListsAsSource() throws IOException {
        checkConverted(converted.busybox(), converted.busyboxLayer());
    }

    @Test
    void ctrRemoteSyntheticLayerVerifiesAndListsAsSource() throws IOException {
        checkConverted(converted.synthetic(), converted.syntheticTar());
    }

    private static void checkConverted(OciArchive.Layer layer, Path source) throws IOException {
        String tocDigest = ReferenceConversion.tocDigest(layer);
        try (FileBlobSource blob = FileBlobSource.open(layer.blob())) {
            EStargzReader r = EStargzReader.open(blob);
            r.verifyToc(Digest.parse(tocDigest));
            assertTrue(r.verifyAllChunks() > 0);
            TreeListing.ofTar(source).assertSameAs(ReaderListing.of(r).without(TreeListing.LANDMARKS),
                    "ctr-remote layer read by our reader");
        }
        assertEquals(Long.parseLong(layer.annotations().get(OciArchive.UNCOMPRESSED_SIZE_ANNOTATION)),
                uncompressedSize(layer.blob()));
    }

    @ParameterizedTest(name = "{0} chunk size {1}")
    @CsvSource({"ustar,0", "pax,0", "gnu,0", "pax,65536", "gnu,1000"})
    void referenceBuiltBlobVerifiesAndListsAsSource(String format, int chunkSize) throws IOException {
        Path tar = tmp.resolve(format + "-" + chunkSize + ".tar");
        go.makeTar(format, tar);
        GoChecker.ReferenceBlob ref = go.referenceBuild(tar, tmp.resolve(tar.getFileName() + ".esgz"), chunkSize);

        try (FileBlobSource blob = FileBlobSource.open(ref.blob())) {
            EStargzReader r = EStargzReader.open(blob);
            assertEquals(ref.tocDigest(), r.tocDigest().toString());
            r.verifyToc(Digest.parse(ref.tocDigest()));
            r.verifyAllChunks();
            TreeListing.ofTar(tar).assertSameAs(ReaderListing.of(r).without(TreeListing.LANDMARKS),
                    "reference blob read by our reader");
        }
    }

    private static long uncompressedSize(Path blob) throws IOException {
        try (InputStream in = new GzipCompressorInputStream(Files.newInputStream(blob), true)) {
            return in.transferTo(OutputStream.nullOutputStream());
        }
    }
}
