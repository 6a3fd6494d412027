package dev.estargz.registry.http;

import dev.estargz.registry.HostConfig;
import dev.estargz.registry.MirrorConfig;
import dev.estargz.registry.RegistryConfig;
import dev.estargz.registry.reference.ImageReference;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EndpointSelectionTest {
    @Test
    void tlsEverywhereExceptLoopbackAndWhatIsConfiguredPlain() {
        try (RegistryTransport t = new RegistryTransport(RegistryConfig.builder()
                .host("plain.example", HostConfig.DEFAULT.withPlainHttp(true)).build())) {
            assertFalse(t.pushEndpoint(ImageReference.parse("ghcr.io/a/b")).plainHttp());
            assertTrue(t.pushEndpoint(ImageReference.parse("localhost:5000/a")).plainHttp());
            assertTrue(t.pushEndpoint(ImageReference.parse("127.0.0.1:5000/a")).plainHttp());
            assertTrue(t.pushEndpoint(ImageReference.parse("plain.example/a")).plainHttp());
            assertEquals("https://registry-1.docker.io/v2/library/busybox/manifests/latest",
                    t.pushEndpoint(ImageReference.parse("busybox")).url("library/busybox/manifests/latest").toString());
        }
        try (RegistryTransport t = new RegistryTransport(RegistryConfig.builder().plainHttp(true).build())) {
            assertTrue(t.pushEndpoint(ImageReference.parse("ghcr.io/a/b")).plainHttp());
        }
    }

    @Test
    void missingCaFileIsAConfigurationErrorNamingTheHostAndFile() {
        RegistryConfig cfg = RegistryConfig.builder().host("127.0.0.1:5000",
                HostConfig.DEFAULT.withCaCertificates(List.of(Path.of("/nonexistent/ca.pem")))).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new RegistryTransport(cfg));
        assertTrue(e.getMessage().contains("127.0.0.1:5000") && e.getMessage().contains("/nonexistent/ca.pem"),
                e.getMessage());
    }

    @Test
    void mirrorsComeFirstWithTheReferenceTimeoutSemantics() {
        RegistryConfig cfg = RegistryConfig.builder().requestTimeout(Duration.ofSeconds(30))
                .host("docker.io", HostConfig.DEFAULT.withMirrors(List.of(
                        new MirrorConfig("mirror.example", false, 0, Map.of()),
                        new MirrorConfig("insecure.example:5000", true, 5, Map.of("X-A", List.of("1"))),
                        new MirrorConfig("forever.example", false, -1, Map.of())))).build();
        try (RegistryTransport t = new RegistryTransport(cfg)) {
            List<Endpoint> eps = t.pullEndpoints(ImageReference.parse("busybox"));
            assertEquals(List.of("mirror.example", "insecure.example:5000", "forever.example", "registry-1.docker.io"),
                    eps.stream().map(Endpoint::host).toList());
            assertEquals(Duration.ofSeconds(30), eps.get(0).timeout());
            assertFalse(eps.get(0).plainHttp());
            assertTrue(eps.get(1).plainHttp());
            assertEquals(Duration.ofSeconds(5), eps.get(1).timeout());
            assertEquals(List.of("1"), eps.get(1).headers().get("X-A"));
            assertNull(eps.get(2).timeout());
            assertTrue(eps.get(0).mirror() && !eps.get(3).mirror());
            assertEquals("docker.io", eps.get(3).credentialKey());
        }
    }
}
