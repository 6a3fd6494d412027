package dev.estargz.image;

import com.fasterxml.jackson.databind.JsonNode;
import dev.estargz.format.reader.EStargzReader;
import dev.estargz.image.store.ImageSource;
import dev.estargz.image.store.StoredManifest;
import dev.estargz.registry.BlobSource;
import dev.estargz.registry.Digest;
import dev.estargz.registry.manifest.Descriptor;
import dev.estargz.registry.manifest.ImageManifest;
import dev.estargz.registry.manifest.MediaTypes;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

import java.io.IOException;
import java.io.InputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Checks one converted image through an {@link ImageSource}: every layer, its annotations, and the config. */
final class ConvertedImageCheck {
    private ConvertedImageCheck() {
    }

    /** Asserts that {@code manifest} is a valid eStargz image whose kept fields survived; returns its layer count. */
    static int assertEStargzImage(ImageSource src, StoredManifest manifest) throws IOException {
        ImageManifest m = (ImageManifest) manifest.document();
        assertEquals(MediaTypes.OCI_MANIFEST, m.mediaType());
        assertEquals("kept", m.annotations().get("org.example.manifest"), "manifest annotations kept");
        JsonNode config = TestImages.JSON.readTree(src.smallBlob(m.config()));
        assertEquals("kept", config.path("config").path("Labels").path("org.example.label").asText());
        assertEquals(m.layers().size(), config.path("history").size(), "history kept");
        for (int i = 0; i < m.layers().size(); i++) {
            Descriptor l = m.layers().get(i);
            assertEquals(MediaTypes.OCI_LAYER_GZIP, l.mediaType());
            assertEquals("kept", l.annotations().get("test.layer"), "other layer annotations kept");
            String toc = l.annotations().get(LayerAnnotations.TOC_DIGEST);
            assertNotNull(toc, "layer " + i + " has no TOC digest annotation: " + l.annotations());
            try (BlobSource blob = src.openBlob(l)) {
                EStargzReader r = EStargzReader.open(blob);
                r.verifyToc(Digest.parse(toc));
                assertTrue(r.verifyAllChunks() > 0);
            }
            MessageDigest md = Digest.newSha256();
            long n;
            try (InputStream in = GzipCompressorInputStream.builder().setInputStream(src.openStream(l))
                    .setDecompressConcatenated(true).get();
                 DigestOutputStream out = new DigestOutputStream(java.io.OutputStream.nullOutputStream(), md)) {
                n = in.transferTo(out);
            }
            assertEquals(Long.toString(n), l.annotations().get(LayerAnnotations.UNCOMPRESSED_SIZE));
            assertEquals(Digest.ofSha256(md.digest()).toString(), config.path("rootfs").path("diff_ids").get(i).asText(),
                    "diff_id of layer " + i);
        }
        return m.layers().size();
    }
}
