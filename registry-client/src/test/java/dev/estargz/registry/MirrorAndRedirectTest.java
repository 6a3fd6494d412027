package dev.estargz.registry;

import dev.estargz.registry.auth.Credential;
import dev.estargz.registry.blob.RegistryBlobSource;
import dev.estargz.registry.manifest.Descriptor;
import dev.estargz.registry.manifest.Platform;
import dev.estargz.registry.reference.ImageReference;
import dev.estargz.testkit.FaultProxy;
import dev.estargz.testkit.FaultProxy.Fault;
import dev.estargz.testkit.InMemoryBlob;
import dev.estargz.testkit.RegistryProcess;
import dev.estargz.testkit.TestImage;
import okhttp3.Headers;
import okhttp3.HttpUrl;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Mirrors tried in order before upstream, and redirects to another host that must not see credentials. */
class MirrorAndRedirectTest {
    private static RegistryProcess registry;
    private static FaultProxy upstream;
    private static FaultProxy mirror;
    private static FaultProxy back;
    private static TestImage image;
    private static int deadPort;

    @BeforeAll
    static void start() throws Exception {
        registry = RegistryProcess.startPlain();
        HttpUrl real = HttpUrl.get("http://" + registry.host() + "/");
        upstream = new FaultProxy(real);
        mirror = new FaultProxy(real);
        back = new FaultProxy(real);
        try (RegistryClient c = RegistryClient.create(registry.clientConfig().build())) {
            image = TestImage.push(c, registry.ref("mirrored/app:v1"), Platform.parse("linux/amd64"),
                    TestImage.randomLayers(1, 100_000, 31));
        }
        try (var s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            deadPort = s.getLocalPort();
        }
    }

    @AfterAll
    static void stop() throws Exception {
        upstream.close();
        mirror.close();
        back.close();
        registry.close();
    }

    @BeforeEach
    void reset() {
        upstream.reset();
        mirror.reset();
        back.reset();
    }

    private static RegistryClient mirroredClient() {
        HostConfig hc = HostConfig.DEFAULT.withMirrors(List.of(
                new MirrorConfig("127.0.0.1:" + deadPort, true),
                new MirrorConfig(mirror.host(), true, 0, Map.of("X-Mirror-Token", List.of("m1")))));
        return RegistryClient.create(registry.clientConfig().maxRetries(1).host(upstream.host(), hc).build());
    }

    private static ImageReference upstreamRef() {
        return ImageReference.parse(upstream.host() + "/mirrored/app:v1");
    }

    @Test
    void mirrorsAreTriedInOrderBeforeTheUpstream() throws Exception {
        try (RegistryClient c = mirroredClient()) {
            ResolvedImage r = c.resolve(upstreamRef(), Platform.parse("linux/amd64"));
            assertArrayEquals(image.layers().get(0).bytes(), c.fetchBlob(r.pinned(), r.layers().get(0)));
        }
        assertTrue(upstream.requests().isEmpty(), "the working mirror answered everything");
        assertFalse(mirror.requests().isEmpty());
        for (RecordedRequest r : mirror.requests()) {
            assertEquals("m1", r.getHeader("X-Mirror-Token"));
        }
    }

    @Test
    void mirrorWithoutTheContentFallsBackToTheUpstream() throws Exception {
        mirror.inject(r -> true, new Fault.Status(404, Headers.of()), 1000);
        try (RegistryClient c = mirroredClient()) {
            assertEquals(image.manifestDigest(), c.fetchManifest(upstreamRef()).digest());
            Descriptor layer = image.manifest().layers().get(0);
            assertArrayEquals(image.layers().get(0).bytes(), c.openBlob(upstreamRef(), layer)
                    .read(new ByteRange(0, layer.size())));
        }
        assertFalse(upstream.requests().isEmpty());
        for (RecordedRequest r : upstream.requests()) {
            assertNull(r.getHeader("X-Mirror-Token"), "mirror headers stay with the mirror");
        }
    }

    @Test
    void aMirrorThatFailedARangeReadIsPassedOverForThatBlobsNextReads() throws Exception {
        mirror.inject(FaultProxy.blobGet(), new Fault.Status(404, Headers.of()), 1000);
        Descriptor layer = image.manifest().layers().get(0);
        byte[] blob = image.layers().get(0).bytes();
        try (RegistryClient c = mirroredClient(); RegistryBlobSource src = c.openBlob(upstreamRef(), layer)) {
            for (int i = 0; i < 5; i++) {
                ByteRange r = new ByteRange(i * 10_000L, 100);
                assertArrayEquals(java.util.Arrays.copyOfRange(blob, i * 10_000, i * 10_000 + 100), src.read(r));
            }
        }
        assertEquals(1, blobGets(mirror), "the mirror was asked once, then passed over");
        assertEquals(5, blobGets(upstream));
    }

    @Test
    void pushesGoToTheUpstreamOnly() throws Exception {
        byte[] b = "pushed past the mirrors".getBytes();
        try (RegistryClient c = mirroredClient()) {
            c.pushBlob(upstreamRef(), Digest.sha256(b), new InMemoryBlob(b), null);
        }
        assertTrue(mirror.requests().isEmpty());
        assertFalse(upstream.requests().isEmpty());
    }

    @Test
    void redirectToAnotherHostCarriesNoCredentialsOrCustomHeaders(@TempDir Path dir) throws Exception {
        // The front demands basic auth and sends blob GETs elsewhere, as registries do with object storage.
        upstream.inject(r -> r.getHeader("Authorization") == null,
                new Fault.Status(401, Headers.of("WWW-Authenticate", "Basic realm=\"front\"")), 1000);
        upstream.inject(FaultProxy.blobGet(), new Fault.RedirectTo(HttpUrl.get("http://localhost:" + back.port() + "/"), 307), 1000);
        RegistryConfig cfg = registry.clientConfig()
                .host(upstream.host(), HostConfig.DEFAULT.withHeader(Map.of("X-Custom", List.of("for-front-only"))))
                .credentials(r -> new Credential.Basic("carol", "front-password")).build();
        Descriptor layer = image.manifest().layers().get(0);
        byte[] blob = image.layers().get(0).bytes();
        try (RegistryClient c = RegistryClient.create(cfg)) {
            assertEquals(image.manifestDigest(), c.fetchManifest(upstreamRef()).digest());
            try (RegistryBlobSource src = c.openBlob(upstreamRef(), layer)) {
                assertArrayEquals(java.util.Arrays.copyOfRange(blob, 10, 20), src.read(new ByteRange(10, 10)));
                List<byte[]> two = src.readAll(List.of(new ByteRange(0, 5), new ByteRange(50_000, 5)));
                assertArrayEquals(java.util.Arrays.copyOfRange(blob, 50_000, 50_005), two.get(1));
            }
            Path target = dir.resolve("layer");
            c.downloadBlob(upstreamRef(), layer, target);
            assertArrayEquals(blob, Files.readAllBytes(target));
        }
        assertEquals(3, back.requests().size());
        for (RecordedRequest r : back.requests()) {
            assertNull(r.getHeader("Authorization"), "credentials must not follow a redirect to another host");
            assertNull(r.getHeader("X-Custom"), "custom headers must not follow a redirect to another host");
        }
        RecordedRequest lastFront = upstream.requests().get(upstream.requests().size() - 1);
        assertNotNull(lastFront.getHeader("Authorization"));
        assertEquals("for-front-only", lastFront.getHeader("X-Custom"));
    }

    @Test
    void rangeReadsGoStraightToTheRedirectTargetUntilItFails() throws Exception {
        upstream.inject(FaultProxy.blobGet(), new Fault.RedirectTo(HttpUrl.get("http://localhost:" + back.port() + "/"), 307), 1000);
        Descriptor layer = image.manifest().layers().get(0);
        byte[] blob = image.layers().get(0).bytes();
        try (RegistryClient c = RegistryClient.create(registry.clientConfig().build());
             RegistryBlobSource src = c.openBlob(upstreamRef(), layer)) {
            for (int i = 0; i < 5; i++) {
                ByteRange r = new ByteRange(i * 10_000L, 100);
                assertArrayEquals(java.util.Arrays.copyOfRange(blob, i * 10_000, i * 10_000 + 100), src.read(r));
            }
            assertEquals(1, blobGets(upstream), "the registry was asked once; the other reads went to the target");
            assertEquals(5, blobGets(back));
            // The target stops answering (a signed URL expired): the next read asks the registry again.
            back.inject(FaultProxy.blobGet(), new Fault.Status(403, Headers.of()), 1);
            assertArrayEquals(java.util.Arrays.copyOfRange(blob, 70_000, 70_010), src.read(new ByteRange(70_000, 10)));
            assertEquals(2, blobGets(upstream));
        }
    }

    private static long blobGets(FaultProxy p) {
        return p.requests().stream().filter(FaultProxy.blobGet()).count();
    }
}
