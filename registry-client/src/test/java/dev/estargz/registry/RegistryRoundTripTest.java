package dev.estargz.registry;

import dev.estargz.registry.RegistryException.Kind;
import dev.estargz.registry.blob.RegistryBlobSource;
import dev.estargz.registry.manifest.Descriptor;
import dev.estargz.registry.manifest.ImageIndex;
import dev.estargz.registry.manifest.MediaTypes;
import dev.estargz.registry.manifest.Platform;
import dev.estargz.registry.push.PushOutcome;
import dev.estargz.registry.reference.ImageReference;
import dev.estargz.testkit.InMemoryBlob;
import dev.estargz.testkit.RegistryProcess;
import dev.estargz.testkit.TestImage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.EOFException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Pull, push, mount, ranges and indexes against a real plain-HTTP docker-registry. */
class RegistryRoundTripTest {
    private static final Platform AMD64 = new Platform("linux", "amd64", null);
    private static final Platform ARM64 = new Platform("linux", "arm64", "v8");
    private static RegistryProcess registry;
    private static RegistryClient client;
    private static TestImage image;

    @BeforeAll
    static void start() throws Exception {
        registry = RegistryProcess.startPlain();
        client = RegistryClient.create(registry.clientConfig().build());
        image = TestImage.push(client, registry.ref("base/app:v1"), AMD64, TestImage.randomLayers(2, 300_000, 1));
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
        }
        if (registry != null) {
            registry.close();
        }
    }

    @Test
    void resolvesTagToManifestConfigAndLayers() throws Exception {
        ResolvedImage r = client.resolve(registry.ref("base/app:v1"), AMD64);
        assertEquals(image.manifestDigest(), r.manifest().digest());
        assertEquals(image.manifest().layers(), r.layers());
        assertArrayEquals(image.config(), client.fetchBlob(r.pinned(), r.config()));
        assertTrue(r.index().isEmpty());
    }

    @Test
    void pullsLayerWholeAndVerified(@TempDir Path dir) throws Exception {
        Descriptor layer = image.manifest().layers().get(1);
        Path target = dir.resolve("layer");
        assertEquals(layer.size(), client.downloadBlob(image.reference(), layer, target));
        assertArrayEquals(image.layers().get(1).bytes(), Files.readAllBytes(target));
    }

    @Test
    void readsSingleRangesByteForByte() throws Exception {
        byte[] blob = image.layers().get(0).bytes();
        try (RegistryBlobSource src = client.openBlob(image.reference(), image.manifest().layers().get(0))) {
            assertEquals(blob.length, src.size());
            for (ByteRange r : List.of(new ByteRange(0, 1), new ByteRange(4096, 4096), new ByteRange(blob.length - 10, 10),
                    new ByteRange(blob.length, 0))) {
                assertArrayEquals(Arrays.copyOfRange(blob, (int) r.offset(), (int) r.end()), src.read(r), r.toString());
            }
            assertThrows(EOFException.class, () -> src.read(new ByteRange(blob.length - 5, 10)));
        }
    }

    @Test
    void opensABlobByItsTailInOneRequestThatAlsoSizesIt() throws Exception {
        byte[] blob = image.layers().get(0).bytes();
        Digest d = image.manifest().layers().get(0).digest();
        RegistryClient.OpenedBlobTail t = client.openBlobTail(image.reference(), d, 1000);
        try (RegistryBlobSource src = t.blob()) {
            assertEquals(blob.length, src.size());
            assertEquals(blob.length - 1000, t.tail().offset());
            assertArrayEquals(Arrays.copyOfRange(blob, blob.length - 1000, blob.length), t.tail().bytes());
            assertArrayEquals(Arrays.copyOfRange(blob, 0, 10), src.read(new ByteRange(0, 10)));
        }
        // a tail longer than the blob is the whole blob
        RegistryClient.OpenedBlobTail whole = client.openBlobTail(image.reference(), d, blob.length + 5000);
        assertEquals(0, whole.tail().offset());
        assertArrayEquals(blob, whole.tail().bytes());
    }

    @Test
    void readsManyRangesInMultipartRequestsByteForByte() throws Exception {
        byte[] blob = image.layers().get(0).bytes();
        Random rnd = new Random(7);
        List<ByteRange> ranges = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            long off = rnd.nextInt(blob.length - 5000);
            ranges.add(new ByteRange(off, 1 + rnd.nextInt(4999)));
        }
        ranges.add(new ByteRange(10, 20));
        ranges.add(new ByteRange(15, 30)); // overlaps the previous one
        try (RegistryBlobSource src = client.openBlob(image.reference(), image.manifest().layers().get(0).digest())) {
            List<byte[]> got = src.readAll(ranges);
            for (int i = 0; i < ranges.size(); i++) {
                ByteRange r = ranges.get(i);
                assertArrayEquals(Arrays.copyOfRange(blob, (int) r.offset(), (int) r.end()), got.get(i), r.toString());
            }
            // distribution 2.8 serves multipart/byteranges, so it must not have fallen back
            assertFalse(src.singleRangeMode());
        }
    }

    @Test
    void pushSkipsExistingBlobAndMountsAcrossRepositories() throws Exception {
        TestImage.Layer layer = image.layers().get(0);
        Digest d = Digest.sha256(layer.bytes());
        ImageReference other = registry.ref("other/app:v1");
        assertFalse(client.blobExists(other, d));
        assertEquals(PushOutcome.ALREADY_PRESENT, client.pushBlob(image.reference(), d, new InMemoryBlob(layer.bytes()), null));
        // The content passed is never read for a mount: an empty source proves it.
        assertEquals(PushOutcome.MOUNTED, client.pushBlob(other, d, new InMemoryBlob(new byte[0]), "base/app"));
        assertTrue(client.blobExists(other, d));
    }

    @Test
    void uploadsInChunks() throws Exception {
        try (RegistryClient chunked = RegistryClient.create(registry.clientConfig().chunkedUploadSize(64 * 1024).build())) {
            byte[] b = TestImage.randomLayers(1, 200_001, 99).get(0).bytes();
            ImageReference repo = registry.ref("chunked/blob:x");
            Digest d = Digest.sha256(b);
            assertEquals(PushOutcome.UPLOADED, chunked.pushBlob(repo, d, new InMemoryBlob(b), null));
            try (RegistryBlobSource src = chunked.openBlob(repo, d)) {
                assertArrayEquals(b, src.read(new ByteRange(0, b.length)));
            }
        }
    }

    @Test
    void uploadOfWrongContentIsRejectedByTheRegistry() {
        byte[] b = "not what the digest says".getBytes();
        Digest claimed = Digest.sha256("something else".getBytes());
        RegistryException e = assertThrows(RegistryException.class,
                () -> client.pushBlob(registry.ref("bad/upload:x"), claimed, new InMemoryBlob(b), null));
        assertTrue(e.getMessage().contains(claimed.toString()), e.getMessage());
    }

    @Test
    void selectsPlatformFromMultiArchIndex() throws Exception {
        Map<Platform, List<TestImage.Layer>> images = new LinkedHashMap<>();
        images.put(AMD64, TestImage.randomLayers(1, 1000, 2));
        images.put(ARM64, TestImage.randomLayers(1, 1000, 3));
        ImageReference ref = registry.ref("multi/app:v1");
        Digest indexDigest = TestImage.pushIndex(client, ref, images);

        ResolvedImage arm = client.resolve(ref, new Platform("linux", "arm64", null));
        assertEquals(indexDigest, arm.index().orElseThrow().digest());
        assertEquals(MediaTypes.OCI_INDEX, arm.index().get().mediaType());
        assertEquals(Digest.sha256(images.get(ARM64).get(0).bytes()), arm.layers().get(0).digest());
        ResolvedImage amd = client.resolve(ref.withDigest(indexDigest), AMD64);
        assertEquals(Digest.sha256(images.get(AMD64).get(0).bytes()), amd.layers().get(0).digest());

        RegistryException e = assertThrows(RegistryException.class,
                () -> client.resolve(ref, new Platform("linux", "s390x", null)));
        assertEquals(Kind.NOT_FOUND, e.kind());
        assertTrue(e.getMessage().contains("linux/arm64/v8"), e.getMessage());
        assertTrue(((ImageIndex) client.fetchManifest(ref).document()).manifests().size() == 2);
    }

    @Test
    void pullsDockerSchema2Manifests() throws Exception {
        ImageReference ref = registry.ref("docker/app:v1");
        TestImage img = TestImage.push(client, ref, AMD64, TestImage.randomLayers(1, 500, 4), MediaTypes.DOCKER_MANIFEST);
        FetchedManifest m = client.fetchManifest(ref);
        assertEquals(MediaTypes.DOCKER_MANIFEST, m.mediaType());
        assertEquals(img.manifestDigest(), m.digest());
        assertArrayEquals(img.manifestBytes(), m.bytes());
    }

    @Test
    void missingThingsAreTypedNotFoundErrorsNamingReferenceHostAndDigest() throws Exception {
        RegistryException e = assertThrows(RegistryException.class, () -> client.fetchManifest(registry.ref("base/app:nope")));
        assertEquals(Kind.NOT_FOUND, e.kind());
        assertTrue(e.getMessage().contains("base/app:nope") && e.getMessage().contains(registry.host()), e.getMessage());
        Digest absent = Digest.sha256("absent".getBytes());
        assertTrue(client.blobSize(image.reference(), absent).isEmpty());
        RegistryException b = assertThrows(RegistryException.class, () -> client.openBlob(image.reference(), absent));
        assertEquals(Kind.NOT_FOUND, b.kind());
        assertTrue(b.getMessage().contains(absent.toString()), b.getMessage());
    }

    @Test
    void manifestFetchedByDigestIsVerified() throws Exception {
        FetchedManifest m = client.fetchManifest(image.reference());
        assertEquals(image.manifestDigest(), m.digest());
        assertArrayEquals(image.manifestBytes(), m.bytes());
    }
}
