package dev.estargz.snapshotter.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.estargz.registry.Digest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LayerSourceTest {
    static final String D1 = "sha256:" + "1".repeat(64);
    static final String D2 = "sha256:" + "2".repeat(64);
    static final String D3 = "sha256:" + "3".repeat(64);
    static final String TOC = "sha256:" + "f".repeat(64);

    @Test
    void criLabelsGiveTargetAndOtherLayers() throws Exception {
        LayerSource s = LayerSource.fromLabels(Map.of(
                LayerLabels.CRI_IMAGE_REF, "127.0.0.1:5000/app:1",
                LayerLabels.CRI_LAYER_DIGEST, D2,
                LayerLabels.CRI_IMAGE_LAYERS, D1 + "," + D2 + "," + D3,
                LayerLabels.TOC_DIGEST, TOC));
        assertEquals(LayerSource.LabelSet.CRI, s.labelSet());
        assertEquals("127.0.0.1:5000/app:1", s.imageRef());
        assertEquals(Digest.parse(D2), s.target());
        assertEquals(List.of(Digest.parse(D1), Digest.parse(D3)),
                s.otherLayers().stream().map(LayerSource.OtherLayer::digest).toList());
        assertEquals(Digest.parse(TOC), s.tocDigest().orElseThrow());
    }

    @Test
    void stargzLabelsCarryUrlsPrefetchAndSkipVerify() throws Exception {
        Map<String, String> labels = new HashMap<>();
        labels.put(LayerLabels.STARGZ_REFERENCE, "r/app:1");
        labels.put(LayerLabels.STARGZ_DIGEST, D1);
        labels.put(LayerLabels.STARGZ_LAYERS, D1 + "," + D2);
        labels.put(LayerLabels.STARGZ_URLS, "http://a/1,http://b/1");
        labels.put(LayerLabels.STARGZ_URLS_PREFIX + "1", "http://a/2");
        labels.put(LayerLabels.STARGZ_PREFETCH, "1000");
        labels.put(LayerLabels.STARGZ_SKIP_VERIFY, "");
        LayerSource s = LayerSource.fromLabels(labels);
        assertEquals(LayerSource.LabelSet.STARGZ, s.labelSet());
        assertEquals(List.of("http://a/1", "http://b/1"), s.urls());
        assertEquals(List.of(new LayerSource.OtherLayer(Digest.parse(D2), List.of("http://a/2"))), s.otherLayers());
        assertEquals(1000, s.prefetchSize().getAsLong());
        assertTrue(s.skipVerify());
        assertTrue(s.tocDigest().isEmpty());
    }

    @Test
    void criSetWinsWhenBothArePresent() throws Exception {
        LayerSource s = LayerSource.fromLabels(Map.of(
                LayerLabels.CRI_IMAGE_REF, "cri/app:1", LayerLabels.CRI_LAYER_DIGEST, D1,
                LayerLabels.STARGZ_REFERENCE, "stargz/app:1", LayerLabels.STARGZ_DIGEST, D2));
        assertEquals("cri/app:1", s.imageRef());
    }

    @Test
    void missingOrMalformedLabelsAreNamed() {
        InvalidLayerLabelsException e = assertThrows(InvalidLayerLabelsException.class,
                () -> LayerSource.fromLabels(Map.of(LayerLabels.STARGZ_REFERENCE, "r/app:1")));
        assertTrue(e.getMessage().contains(LayerLabels.CRI_IMAGE_REF), e.getMessage());
        assertTrue(e.getMessage().contains(LayerLabels.STARGZ_DIGEST), e.getMessage());
        InvalidLayerLabelsException bad = assertThrows(InvalidLayerLabelsException.class,
                () -> LayerSource.fromLabels(Map.of(LayerLabels.CRI_IMAGE_REF, "r", LayerLabels.CRI_LAYER_DIGEST,
                        "sha256:nothex")));
        assertTrue(bad.getMessage().contains("sha256:nothex"), bad.getMessage());
    }

    @Test
    void layerListsAreTruncatedToFitTheLabelLimit() {
        List<String> many = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            many.add(String.format("sha256:%064x", i));
        }
        String cri = LayerLabels.criImageLayers(many);
        assertTrue(LayerLabels.fits(LayerLabels.CRI_IMAGE_LAYERS, cri));
        // 71 bytes per digest; key is 41 bytes: 56 digests need 56*71-1 = 3975 bytes, a 57th would overflow
        assertEquals(56, cri.split(",").length);
        assertEquals(many.subList(0, 56), List.of(cri.split(",")));
        String stargz = LayerLabels.stargzList(LayerLabels.STARGZ_LAYERS, many);
        assertTrue(LayerLabels.fits(LayerLabels.STARGZ_LAYERS, stargz));
        assertTrue(!stargz.endsWith(","));
        assertEquals(String.join(",", many.subList(0, 3)), LayerLabels.criImageLayers(many.subList(0, 3)));
        assertEquals(String.join(",", many.subList(0, 3)),
                LayerLabels.stargzList(LayerLabels.STARGZ_LAYERS, many.subList(0, 3)));
    }
}
