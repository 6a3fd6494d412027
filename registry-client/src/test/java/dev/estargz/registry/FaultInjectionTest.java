package dev.estargz.registry;

import dev.estargz.registry.RegistryException.Kind;
import dev.estargz.registry.blob.RegistryBlobSource;
import dev.estargz.registry.manifest.Descriptor;
import dev.estargz.registry.manifest.Platform;
import dev.estargz.registry.reference.ImageReference;
import dev.estargz.testkit.FaultProxy;
import dev.estargz.testkit.FaultProxy.Fault;
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
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real registry behind a proxy that resets, stalls, lies and refuses: transient faults are retried and the right
 * bytes come back; persistent ones give a typed error naming the reference, host and digest; never wrong bytes.
 */
class FaultInjectionTest {
    private static final int RETRIES = 3;
    private static RegistryProcess registry;
    private static FaultProxy proxy;
    private static RegistryClient client;
    private static TestImage image;
    private static ImageReference viaProxy;
    private static Descriptor layer;
    private static byte[] blob;

    @BeforeAll
    static void start() throws Exception {
        registry = RegistryProcess.startPlain();
        proxy = new FaultProxy(HttpUrl.get("http://" + registry.host() + "/"));
        client = RegistryClient.create(registry.clientConfig().maxRetries(RETRIES)
                .requestTimeout(Duration.ofSeconds(10)).stallTimeout(Duration.ofMillis(700)).build());
        image = TestImage.push(client, registry.ref("faults/app:v1"), Platform.parse("linux/amd64"),
                TestImage.randomLayers(1, 400_000, 21));
        viaProxy = ImageReference.parse(proxy.host() + "/faults/app:v1");
        layer = image.manifest().layers().get(0);
        blob = image.layers().get(0).bytes();
    }

    @AfterAll
    static void stop() throws Exception {
        client.close();
        proxy.close();
        registry.close();
    }

    @BeforeEach
    void clearFaults() {
        proxy.reset();
    }

    private static byte[] slice(ByteRange r) {
        return Arrays.copyOfRange(blob, (int) r.offset(), (int) r.end());
    }

    @Test
    void aWarmConnectionServesA4KiBRangeWithOneRequest() throws Exception {
        try (RegistryBlobSource src = client.openBlob(viaProxy, layer)) {
            src.read(new ByteRange(0, 4096));
            proxy.reset();
            ByteRange r = new ByteRange(123_456, 4096);
            assertArrayEquals(slice(r), src.read(r));
        }
        List<RecordedRequest> reqs = proxy.requests();
        assertEquals(1, reqs.size(), "one request, no HEAD or redirect probe");
        assertTrue(reqs.get(0).getSequenceNumber() > 0, "sent on an already-open connection");
    }

    @Test
    void aBlobOpenedByItsTailCostsOneRequest() throws Exception {
        RegistryClient.OpenedBlobTail t = client.openBlobTail(viaProxy, layer.digest(), 4096);
        assertEquals(blob.length, t.blob().size());
        assertArrayEquals(slice(new ByteRange(blob.length - 4096, 4096)), t.tail().bytes());
        assertEquals(1, proxy.requests().size(), "no HEAD before the tail");
        assertEquals("bytes=-4096", proxy.requests().get(0).getHeader("Range"));
    }

    @Test
    void aRegistryIgnoringTheSuffixRangeIsSizedByHeadInstead() throws Exception {
        proxy.inject(FaultProxy.blobGet(), new Fault.IgnoreRange(), 1);
        RegistryClient.OpenedBlobTail t = client.openBlobTail(viaProxy, layer.digest(), 4096);
        assertEquals(blob.length, t.blob().size());
        assertEquals(blob.length - 4096, t.tail().offset());
        assertArrayEquals(slice(new ByteRange(blob.length - 4096, 4096)), t.tail().bytes());
    }

    @Test
    void aSuffixAnswerOfTheWrongRangeIsRefusedNotServed() {
        proxy.inject(FaultProxy.blobGet(), new Fault.Status(206, Headers.of("Content-Range", "bytes 0-4095/"
                + blob.length)), 100);
        RegistryException e = assertThrows(RegistryException.class,
                () -> client.openBlobTail(viaProxy, layer.digest(), 4096));
        assertEquals(Kind.INVALID_RESPONSE, e.kind());
    }

    @Test
    void connectionResetMidBodyOfARangedReadIsRetried() throws Exception {
        proxy.inject(FaultProxy.blobGet(), new Fault.ResetMidBody(), 1);
        ByteRange r = new ByteRange(1000, 200_000);
        try (RegistryBlobSource src = client.openBlob(viaProxy, layer)) {
            assertArrayEquals(slice(r), src.read(r));
        }
        assertEquals(2, proxy.requests().size());
    }

    @Test
    void aRangeReadShowsItsBytesWhileTheyArriveAndStartsOverAfterAResetMidBody() throws Exception {
        proxy.inject(FaultProxy.blobGet(), new Fault.ResetMidBody(), 1);
        ByteRange r = new ByteRange(1000, 300_000);
        byte[] want = slice(r);
        List<Integer> shown = new java.util.ArrayList<>();
        try (RegistryBlobSource src = client.openBlob(viaProxy, layer)) {
            byte[] got = src.read(r, (data, filled) -> {
                // what a call shows is the range's own front, whichever attempt it comes from
                assertArrayEquals(Arrays.copyOf(want, filled), Arrays.copyOf(data, filled));
                shown.add(filled);
            });
            assertArrayEquals(want, got);
        }
        assertEquals(2, proxy.requests().size());
        assertTrue(shown.size() > 2 && shown.get(0) < want.length, "the front was shown before the end: " + shown);
        assertEquals(want.length, shown.get(shown.size() - 1));
        boolean startedOver = false;
        for (int i = 1; i < shown.size(); i++) {
            startedOver |= shown.get(i) < shown.get(i - 1);
        }
        assertTrue(startedOver, "the retried request starts from the range's start again: " + shown);
    }

    @Test
    void stalledResponseIsAbandonedAndRetried() throws Exception {
        proxy.inject(FaultProxy.blobGet(), new Fault.Stall(), 1);
        ByteRange r = new ByteRange(0, 100_000);
        try (RegistryBlobSource src = client.openBlob(viaProxy, layer)) {
            assertArrayEquals(slice(r), src.read(r));
        }
        assertEquals(2, proxy.requests().size());
    }

    @Test
    void serverErrorsAndTooManyRequestsAreRetried() throws Exception {
        proxy.inject(FaultProxy.manifestGet(), new Fault.Status(500, Headers.of()), 1)
                .inject(FaultProxy.manifestGet(), new Fault.Status(503, Headers.of()), 1)
                .inject(FaultProxy.manifestGet(), new Fault.Status(429, Headers.of("Retry-After", "0")), 1);
        assertEquals(image.manifestDigest(), client.fetchManifest(viaProxy).digest());
        assertEquals(4, proxy.requests().size());
    }

    @Test
    void persistentServiceUnavailableIsAServerErrorAfterTheRetries() {
        proxy.inject(FaultProxy.manifestGet(), new Fault.Status(503, Headers.of()), 100);
        RegistryException e = assertThrows(RegistryException.class, () -> client.fetchManifest(viaProxy));
        assertEquals(Kind.SERVER_ERROR, e.kind());
        assertEquals(503, e.status());
        assertTrue(e.getMessage().contains(viaProxy.toString()) && e.getMessage().contains(proxy.host()), e.getMessage());
        assertEquals(RETRIES + 1, proxy.requests().size());
    }

    @Test
    void persistentTooManyRequestsIsTyped() {
        proxy.inject(FaultProxy.blobGet(), new Fault.Status(429, Headers.of()), 100);
        RegistryException e = assertThrows(RegistryException.class,
                () -> client.openBlob(viaProxy, layer).read(new ByteRange(0, 10)));
        assertEquals(Kind.TOO_MANY_REQUESTS, e.kind());
        assertTrue(e.getMessage().contains(layer.digest().toString()), e.getMessage());
    }

    @Test
    void bodyShorterThanAnnouncedIsRetried() throws Exception {
        proxy.inject(FaultProxy.blobGet(), new Fault.ShortBody(), 1);
        ByteRange r = new ByteRange(5, 50_000);
        assertArrayEquals(slice(r), client.openBlob(viaProxy, layer).read(r));
    }

    @Test
    void bodyAlwaysShorterThanAnnouncedIsAnInvalidResponse() {
        proxy.inject(FaultProxy.blobGet(), new Fault.ShortBody(), 100);
        RegistryException e = assertThrows(RegistryException.class,
                () -> client.openBlob(viaProxy, layer).read(new ByteRange(5, 50_000)));
        assertEquals(Kind.INVALID_RESPONSE, e.kind(), e.getMessage());
    }

    @Test
    void manifestWithWrongDigestIsRefused() {
        proxy.inject(FaultProxy.manifestGet(), new Fault.CorruptBody(), 100);
        RegistryException byDigest = assertThrows(RegistryException.class,
                () -> client.fetchManifest(viaProxy.withDigest(image.manifestDigest())));
        assertEquals(Kind.DIGEST_MISMATCH, byDigest.kind());
        assertTrue(byDigest.getMessage().contains(image.manifestDigest().toString()), byDigest.getMessage());
        RegistryException byTag = assertThrows(RegistryException.class, () -> client.fetchManifest(viaProxy));
        assertEquals(Kind.DIGEST_MISMATCH, byTag.kind(), "the registry's Docker-Content-Digest is checked");
    }

    @Test
    void downloadWithWrongDigestLeavesNoFile(@TempDir Path dir) throws Exception {
        proxy.inject(FaultProxy.blobGet(), new Fault.CorruptBody(), 100);
        Path target = dir.resolve("layer");
        RegistryException e = assertThrows(RegistryException.class, () -> client.downloadBlob(viaProxy, layer, target));
        assertEquals(Kind.DIGEST_MISMATCH, e.kind());
        try (var files = Files.list(dir)) {
            assertEquals(0, files.count(), "neither the target nor a partial file remains");
        }
        assertThrows(RegistryException.class, () -> client.fetchBlob(viaProxy, layer));
    }

    @Test
    void brokenDownloadResumesWithARangeRequest(@TempDir Path dir) throws Exception {
        proxy.inject(FaultProxy.blobGet(), new Fault.ResetMidBody(), 2);
        Path target = dir.resolve("layer");
        client.downloadBlob(viaProxy, layer, target);
        assertArrayEquals(blob, Files.readAllBytes(target));
        List<RecordedRequest> gets = proxy.requests().stream().filter(FaultProxy.blobGet()).toList();
        assertEquals(3, gets.size());
        String resume = gets.get(1).getHeader("Range");
        assertTrue(resume != null && resume.matches("bytes=[1-9][0-9]*-"), "resumed with " + resume);
    }

    @Test
    void refusedMultiRangeFallsBackToSingleRanges() throws Exception {
        proxy.inject(FaultProxy.multiRange(), new Fault.Status(400, Headers.of()), 100);
        List<ByteRange> ranges = List.of(new ByteRange(0, 10), new ByteRange(100_000, 5000), new ByteRange(399_990, 10));
        try (RegistryBlobSource src = client.openBlob(viaProxy, layer)) {
            List<byte[]> got = src.readAll(ranges);
            for (int i = 0; i < ranges.size(); i++) {
                assertArrayEquals(slice(ranges.get(i)), got.get(i));
            }
            assertTrue(src.singleRangeMode());
            src.readAll(ranges);
        }
        long multi = proxy.requests().stream().filter(FaultProxy.multiRange()).count();
        assertEquals(1, multi, "after one refusal no more multi-range requests are sent");
    }

    @Test
    void ignoredRangeHeaderStillYieldsTheRightBytes() throws Exception {
        proxy.inject(FaultProxy.blobGet(), new Fault.IgnoreRange(), 2);
        try (RegistryBlobSource src = client.openBlob(viaProxy, layer)) {
            ByteRange one = new ByteRange(300_000, 1234);
            assertArrayEquals(slice(one), src.read(one));
            List<ByteRange> two = List.of(new ByteRange(7, 70), new ByteRange(200_000, 2));
            List<byte[]> got = src.readAll(two);
            assertArrayEquals(slice(two.get(0)), got.get(0));
            assertArrayEquals(slice(two.get(1)), got.get(1));
        }
    }

    @Test
    void refusedConnectionIsUnreachableAfterRetries() throws Exception {
        int closedPort;
        try (var s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            closedPort = s.getLocalPort();
        }
        RegistryException e = assertThrows(RegistryException.class,
                () -> client.fetchManifest(ImageReference.parse("127.0.0.1:" + closedPort + "/x/y:z")));
        assertEquals(Kind.UNREACHABLE, e.kind());
        assertTrue(e.getMessage().contains("127.0.0.1:" + closedPort), e.getMessage());
        assertFalse(e.getMessage().isEmpty());
    }
}
