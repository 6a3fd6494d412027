package dev.estargz.snapshotter.layerstore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.estargz.registry.Digest;
import dev.estargz.registry.manifest.Descriptor;
import dev.estargz.registry.manifest.MediaTypes;
import dev.estargz.registry.reference.ImageReference;
import dev.estargz.snapshotter.remote.LayerLabels;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LayerInfoTest {
    private static final Digest L1 = Digest.sha256("layer one".getBytes(StandardCharsets.UTF_8));
    private static final Digest L2 = Digest.sha256("layer two".getBytes(StandardCharsets.UTF_8));
    private static final Digest D1 = Digest.sha256("diff one".getBytes(StandardCharsets.UTF_8));
    private static final Digest D2 = Digest.sha256("diff two".getBytes(StandardCharsets.UTF_8));
    private static final ImageReference REF = ImageReference.parse("127.0.0.1:5000/app:1");

    @Test
    void fieldsInTheReferencesOrderWithGosTrailingNewline() throws IOException {
        ImageLayers image = new ImageLayers(REF, List.of(
                new Descriptor(MediaTypes.OCI_LAYER_GZIP, L1, 100, Map.of(LayerLabels.UNCOMPRESSED_SIZE, "300"),
                        null, null),
                new Descriptor(MediaTypes.OCI_LAYER_GZIP, L2, 200, Map.of(LayerLabels.UNCOMPRESSED_SIZE, "400"),
                        null, null)),
                List.of(D1, D2));
        assertEquals("{\"compressed-diff-digest\":\"" + L2 + "\",\"compressed-size\":200,\"diff-digest\":\"" + D2
                + "\",\"diff-size\":400,\"compression\":2}\n", new String(LayerInfo.of(image, L2),
                StandardCharsets.UTF_8));
    }

    @Test
    void aMissingOrMalformedUncompressedSizeIsLeftOutAsGoLeavesOutAZero() throws IOException {
        ImageLayers image = new ImageLayers(REF, List.of(
                new Descriptor(MediaTypes.OCI_LAYER_GZIP, L1, 100, Map.of(), null, null),
                new Descriptor(MediaTypes.OCI_LAYER_GZIP, L2, 200, Map.of(LayerLabels.UNCOMPRESSED_SIZE, "x"),
                        null, null)),
                List.of(D1, D2));
        for (Digest d : List.of(L1, L2)) {
            String info = new String(LayerInfo.of(image, d), StandardCharsets.UTF_8);
            assertTrue(!info.contains("diff-size") && info.contains("\"compression\":2"), info);
        }
    }

    @Test
    void aLayerNotInTheImageOrAConfigOfAnotherLengthIsAnError() {
        ImageLayers image = new ImageLayers(REF, List.of(
                new Descriptor(MediaTypes.OCI_LAYER_GZIP, L1, 100, Map.of(), null, null)), List.of(D1));
        IOException e = assertThrows(IOException.class, () -> LayerInfo.of(image, L2));
        assertTrue(e.getMessage().contains("is not in"), e.getMessage());
        ImageLayers mismatched = new ImageLayers(REF, image.layers(), List.of(D1, D2));
        e = assertThrows(IOException.class, () -> LayerInfo.of(mismatched, L1));
        assertTrue(e.getMessage().contains("diff_ids"), e.getMessage());
    }
}
