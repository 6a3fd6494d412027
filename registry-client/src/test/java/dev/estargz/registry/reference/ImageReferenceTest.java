package dev.estargz.registry.reference;

import dev.estargz.registry.Digest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImageReferenceTest {
    private static final String D = "sha256:" + "ab".repeat(32);

    @ParameterizedTest
    @CsvSource({
            "busybox, docker.io/library/busybox:latest",
            "busybox:1.36, docker.io/library/busybox:1.36",
            "docker.io/library/busybox:1.36, docker.io/library/busybox:1.36",
            "index.docker.io/foo/bar, docker.io/foo/bar:latest",
            "foo/bar, docker.io/foo/bar:latest",
            "localhost/a, localhost/a:latest",
            "localhost:5000/a/b/c:t, localhost:5000/a/b/c:t",
            "ghcr.io/org/img:v1.2-rc_3, ghcr.io/org/img:v1.2-rc_3",
            "[::1]:5000/a:b, [::1]:5000/a:b",
    })
    void normalisesLikeDocker(String in, String canonical) {
        assertEquals(canonical, ImageReference.parse(in).toString());
    }

    @Test
    void dockerHubIsServedByRegistry1() {
        ImageReference r = ImageReference.parse("busybox");
        assertEquals("docker.io", r.registry());
        assertEquals("registry-1.docker.io", r.apiHost());
        assertEquals("library/busybox", r.repository());
    }

    @Test
    void digestWinsOverTagForManifestRequests() {
        ImageReference r = ImageReference.parse("host:5000/a/b:tag@" + D);
        assertEquals("host:5000", r.registry());
        assertEquals("a/b", r.repository());
        assertEquals("tag", r.tag());
        assertEquals(Digest.parse(D), r.digest());
        assertEquals(D, r.manifestReference());
        ImageReference d = ImageReference.parse("host:5000/a/b@" + D);
        assertNull(d.tag());
        assertEquals("host:5000/a/b@" + D, d.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " busybox", "Busybox", "a//b", "host:5000/a:b:c", "a@sha256:123", "a:-bad", "host:x/a"})
    void rejectsMalformedReferencesNamingThem(String bad) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ImageReference.parse(bad));
        assertFalse(e.getMessage().isEmpty());
    }

    @Test
    void loopbackHostsAreRecognised() {
        assertTrue(ImageReference.isLoopback("localhost:5000"));
        assertTrue(ImageReference.isLoopback("127.0.0.1"));
        assertTrue(ImageReference.isLoopback("127.3.4.5:80"));
        assertTrue(ImageReference.isLoopback("[::1]:5000"));
        assertFalse(ImageReference.isLoopback("10.0.0.1:5000"));
        assertFalse(ImageReference.isLoopback("localhost.example.com"));
        assertFalse(ImageReference.isLoopback("docker.io"));
    }
}
