package dev.estargz.fusefs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.estargz.format.writer.ConvertOptions;
import dev.estargz.format.writer.ConvertResult;
import dev.estargz.format.writer.EStargzConverter;
import dev.estargz.fusefs.cache.CacheOptions;
import dev.estargz.fusefs.cache.ChunkCache;
import dev.estargz.fusefs.fs.LayerFileSystem;
import dev.estargz.fusefs.mount.FsOptions;
import dev.estargz.fusefs.mount.LayerMounter;
import dev.estargz.fusefs.mount.LayerSource;
import dev.estargz.fusefs.mount.OpenedLayer;
import dev.estargz.fusefs.testing.Sh;
import dev.estargz.fusefs.testing.TestLayer;
import dev.estargz.registry.Digest;
import dev.estargz.registry.FileBlobSource;
import dev.estargz.registry.RegistryClient;
import dev.estargz.registry.blob.RegistryBlobSource;
import dev.estargz.registry.manifest.Descriptor;
import dev.estargz.registry.reference.ImageReference;
import dev.estargz.testkit.RegistryProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chunk cache's disk fills up under a layer being read (a 256 KiB tmpfs this test mounts, under a 3 MB
 * layer): every read still gets the right bytes, from the registry, and what the full disk holds afterwards is only
 * whole chunks that match their names, which a cache reopened on it serves.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class FullCacheDiskTest {
    private static final long DISK = 256 * 1024;

    @TempDir
    static Path tmp;
    private static Path disk;
    private static final Map<String, byte[]> FILES = new TreeMap<>();
    private static RegistryProcess registry;
    private static RegistryClient client;
    private static ImageReference ref;
    private static ConvertResult layer;
    private static long blobSize;

    @BeforeAll
    static void start() throws IOException {
        disk = Files.createDirectories(tmp.resolve("disk"));
        Sh.run(null, "mount", "-t", "tmpfs", "-o", "size=" + DISK, "estargz-full-cache", disk.toString());
        Path tree = Files.createDirectories(tmp.resolve("tree"));
        Random r = new Random(5);
        for (int i = 0; i < 24; i++) {
            byte[] b = new byte[1 + r.nextInt(250 * 1024)];
            r.nextBytes(b);
            String name = String.format("f%02d", i);
            Files.write(tree.resolve(name), b);
            FILES.put(name, b);
        }
        Path blob = tmp.resolve("layer.esgz");
        layer = new EStargzConverter().convert(TestLayer.tar(tree, tmp.resolve("layer.tar")), blob,
                ConvertOptions.defaults().withChunkSize(16 * 1024).withCompressionLevel(1));
        blobSize = Files.size(blob);
        registry = RegistryProcess.startPlain();
        client = RegistryClient.create(registry.clientConfig().build());
        ref = registry.ref("full/cache:latest");
        try (FileBlobSource content = FileBlobSource.open(blob)) {
            client.pushBlob(ref, layer.blobDigest(), content, null);
        }
    }

    @AfterAll
    static void stop() throws IOException {
        try {
            if (client != null) {
                client.close();
            }
            if (registry != null) {
                registry.close();
            }
        } finally {
            Sh.run(null, "umount", disk.toString());
        }
    }

    @Test
    void readsGoOnFromTheRegistryAndTheFullDiskHoldsOnlyWholeVerifiedChunks() throws Exception {
        // 32 KiB in memory: the disk is where the chunks would stay
        CacheOptions options = new CacheOptions(disk, 32 * 1024, 64L << 20, true);
        try (RegistryBlobSource blob = client.openBlob(ref, new Descriptor(
                "application/vnd.oci.image.layer.v1.tar+gzip", layer.blobDigest(), blobSize));
                OpenedLayer opened = open(ChunkCache.open(options), blob)) {
            for (int pass = 0; pass < 2; pass++) {
                for (var f : FILES.entrySet()) {
                    assertArrayEquals(f.getValue(), readWhole(opened.fileSystem(), f.getKey()), f.getKey());
                }
            }
        }
        long used = Files.getFileStore(disk).getTotalSpace() - Files.getFileStore(disk).getUsableSpace();
        assertTrue(used > DISK * 3 / 4, "the disk filled up: " + used + " of " + DISK + " bytes used");

        List<Path> chunks;
        try (Stream<Path> s = Files.walk(disk.resolve("chunks"))) {
            chunks = s.filter(Files::isRegularFile).toList();
        }
        assertTrue(chunks.size() > 4, "some chunks were cached before the disk was full: " + chunks.size());
        for (Path p : chunks) {
            String name = p.getFileName().toString();
            assertEquals(name, HexFormat.of().formatHex(Digest.newSha256().digest(Files.readAllBytes(p))),
                    "a cached chunk is whole and is what its name says");
        }
        try (Stream<Path> s = Files.list(disk.resolve("tmp"))) {
            assertEquals(List.of(), s.toList(), "no partial write left behind");
        }
        // after a restart, on the still-full disk: the cached chunks are served, the rest fetched
        ChunkCache reopened = ChunkCache.open(options);
        for (Path p : chunks) {
            assertTrue(reopened.contains(p.getFileName().toString()), p.toString());
        }
        try (RegistryBlobSource blob = client.openBlob(ref, new Descriptor(
                "application/vnd.oci.image.layer.v1.tar+gzip", layer.blobDigest(), blobSize));
                OpenedLayer opened = open(reopened, blob)) {
            for (var f : FILES.entrySet()) {
                assertArrayEquals(f.getValue(), readWhole(opened.fileSystem(), f.getKey()), f.getKey());
            }
        }
    }

    private static OpenedLayer open(ChunkCache cache, RegistryBlobSource blob) throws IOException {
        LayerMounter mounter = new LayerMounter(cache, FsOptions.defaults().withNoPrefetch(true)
                .withNoBackgroundFetch(true).withFetchTimeout(Duration.ofSeconds(20)));
        return mounter.open(new LayerSource(blob, layer.blobDigest(), layer.tocDigest()));
    }

    private static byte[] readWhole(LayerFileSystem fs, String name) throws Exception {
        int node = fs.resolve("/" + name);
        byte[] out = new byte[FILES.get(name).length];
        int at = 0;
        while (at < out.length) {
            int base = at;
            int n = fs.read(node, at, Math.min(128 * 1024, out.length - at),
                    (pos, src, from, len) -> System.arraycopy(src, from, out, base + (int) pos, len));
            if (n == 0) {
                break;
            }
            at += n;
        }
        return out;
    }
}
