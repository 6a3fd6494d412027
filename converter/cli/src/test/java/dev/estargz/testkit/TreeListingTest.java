package dev.estargz.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The two listings the interop tests compare are made by different code (Java commons-compress here, Go
 * archive/tar and the reference reader in estargz-check); these tests pin them to each other first, so that a
 * later difference means a converter bug and not a listing bug.
 */
class TreeListingTest {
    private static GoChecker go;

    @TempDir
    Path tmp;

    @BeforeAll
    static void buildChecker() throws IOException {
        go = GoChecker.build();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"ustar", "pax", "gnu"})
    void javaListingOfSyntheticTarEqualsGoListing(String format) throws IOException {
        Path tar = tmp.resolve(format + ".tar");
        go.makeTar(format, tar);

        go.listTar(tar).assertSameAs(TreeListing.ofTar(tar), format + " synthetic tar");
    }

    @Test
    void binaryXattrValuesKeepTheirBytes() throws IOException {
        Path tar = tmp.resolve("pax.tar");
        go.makeTar("pax", tar);

        String capability = TreeListing.ofTar(tar).entries().get("etc/xattrs").get("xattrs")
                .get("security.capability").asText();
        assertEquals("AQAAAv/+gA==", capability); // 01 00 00 02 ff fe 80
    }

    @Test
    void javaListingOfBusyboxLayerEqualsGoListing() throws IOException {
        Path layer = TestLayers.busybox();

        go.listTar(layer).assertSameAs(TreeListing.ofTar(layer), "busybox layer");
    }

    @Test
    void referenceWrittenBlobListsAsItsSource() throws IOException {
        Path tar = tmp.resolve("pax.tar");
        go.makeTar("pax", tar);
        GoChecker.ReferenceBlob blob = go.referenceBuild(tar, tmp.resolve("ref.esgz"), 65536);

        TreeListing.ofTar(tar).assertSameAs(go.listBlob(blob.blob(), blob.tocDigest()).without(TreeListing.LANDMARKS),
                "reference blob read by the reference");
    }

    @Test
    void aDifferenceIsReported() throws IOException {
        Path tar = tmp.resolve("gnu.tar");
        go.makeTar("gnu", tar);
        TreeListing listing = TreeListing.ofTar(tar);

        assertThrows(AssertionError.class, () -> listing.assertSameAs(listing.without(Set.of("etc/hostname")), "x"));
    }
}
