package dev.estargz.registry.manifest;

import dev.estargz.registry.Digest;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ManifestCodecTest {
    private static final Digest D1 = Digest.sha256(new byte[]{1});
    private static final Digest D2 = Digest.sha256(new byte[]{2});

    @Test
    void manifestRoundTripsWithLayerAnnotations() {
        ImageManifest m = new ImageManifest(MediaTypes.OCI_MANIFEST, new Descriptor(MediaTypes.OCI_CONFIG, D1, 10),
                List.of(new Descriptor(MediaTypes.OCI_LAYER_GZIP, D2, 20,
                        Map.of("containerd.io/snapshot/stargz/toc.digest", D1.toString()), null, List.of())), Map.of());
        ManifestDocument back = ManifestCodec.parse(ManifestCodec.toJson(m), null);
        assertEquals(m, back);
    }

    @Test
    void indexWithoutMediaTypeIsRecognisedAndPlatformsSelected() {
        String json = "{\"schemaVersion\":2,\"manifests\":["
                + "{\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"digest\":\"" + D1 + "\",\"size\":1,"
                + "\"platform\":{\"os\":\"linux\",\"architecture\":\"arm\",\"variant\":\"v7\"}},"
                + "{\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"digest\":\"" + D2 + "\",\"size\":2,"
                + "\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\"}}]}";
        ImageIndex idx = (ImageIndex) ManifestCodec.parse(json.getBytes(StandardCharsets.UTF_8), null);
        assertEquals(D2, idx.select(Platform.parse("linux/arm64/v8")).orElseThrow().digest());
        assertEquals(D1, idx.select(Platform.parse("linux/arm/v7")).orElseThrow().digest());
        assertTrue(idx.select(Platform.parse("linux/arm/v6")).isEmpty());
        assertTrue(idx.select(Platform.parse("windows/amd64")).isEmpty());
    }

    @Test
    void dockerListUsesTheContentTypeWhenTheBodyHasNoMediaType() {
        String json = "{\"schemaVersion\":2,\"manifests\":[]}";
        assertEquals(MediaTypes.DOCKER_MANIFEST_LIST, ManifestCodec.parse(json.getBytes(StandardCharsets.UTF_8),
                MediaTypes.DOCKER_MANIFEST_LIST + "; charset=utf-8").mediaType());
    }

    @Test
    void malformedManifestsAreRejectedWithTheReason() {
        assertThrows(IllegalArgumentException.class, () -> ManifestCodec.parse("[]".getBytes(), null));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ManifestCodec.parse(
                ("{\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"config\":{\"digest\":\"sha256:xyz\",\"size\":1},"
                        + "\"layers\":[]}").getBytes(), null));
        assertTrue(e.getMessage().contains("config"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ManifestCodec.parse(
                "{\"mediaType\":\"application/vnd.docker.distribution.manifest.v1+json\"}".getBytes(), null));
        assertFalse(Platform.parse("linux/amd64").matches(Platform.parse("linux/arm64")));
    }
}
