package dev.estargz.fusefs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.estargz.fusefs.cache.CacheOptions;
import dev.estargz.fusefs.cache.ChunkCache;
import dev.estargz.fusefs.fuse.MountTable;
import dev.estargz.fusefs.mount.FsOptions;
import dev.estargz.fusefs.mount.LayerMounter;
import dev.estargz.fusefs.mount.LayerSource;
import dev.estargz.fusefs.mount.MountedLayer;
import dev.estargz.fusefs.testing.FaultProxy;
import dev.estargz.fusefs.testing.Mounts;
import dev.estargz.fusefs.testing.TestLayer;
import dev.estargz.registry.BlobSource;
import dev.estargz.registry.RegistryClient;
import dev.estargz.registry.reference.ImageReference;
import dev.estargz.testkit.RegistryProcess;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A mounted layer whose registry stops answering, comes back, slows down, is read by many threads at once, and
 * is unmounted while reads wait: reads fail with EIO within the bound and never hang, and recover afterwards.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RegistryFaultsTest {
    @TempDir
    static Path tmp;
    private static RegistryProcess registry;
    private static FaultProxy proxy;
    private static RegistryClient client;
    private static BlobSource blob;
    private static MountedLayer mounted;
    private static Path tree;

    @BeforeAll
    static void mount() throws IOException {
        tree = Files.createDirectories(tmp.resolve("tree"));
        Random r = new Random(7);
        for (int i = 0; i < 30; i++) {
            byte[] b = new byte[300_000];
            r.nextBytes(b);
            Files.write(tree.resolve(String.format("f%02d", i)), b);
        }
        TestLayer layer = TestLayer.convert(TestLayer.tar(tree, tmp.resolve("l.tar")), tmp.resolve("l.esgz"),
                List.of());
        registry = RegistryProcess.startPlain();
        proxy = new FaultProxy(registry.port());
        client = RegistryClient.create(registry.clientConfig().requestTimeout(Duration.ofSeconds(3)).maxRetries(1)
                .build());
        Mounts.push(registry, client, "faults", layer).close();
        blob = client.openBlob(ImageReference.parse(proxy.host() + "/faults:latest"), layer.blobDigest());
        LayerMounter mounter = new LayerMounter(ChunkCache.open(CacheOptions.onDisk(tmp.resolve("cache"))),
                FsOptions.defaults().withNoBackgroundFetch(true).withFetchTimeout(Duration.ofSeconds(2))
                        .withFetch(FsOptions.defaults().fetch().withTimeout(Duration.ofSeconds(2)).withWindow(0)));
        mounted = mounter.mount(new LayerSource(blob, layer.blobDigest(), layer.tocDigest()),
                Files.createDirectories(tmp.resolve("mnt")));
    }

    @AfterAll
    static void cleanUp() throws IOException {
        try {
            if (mounted != null) {
                mounted.close();
            }
        } finally {
            Mounts.unmountAllUnder(tmp);
            if (proxy != null) {
                proxy.close();
            }
            if (client != null) {
                client.close();
            }
            if (registry != null) {
                registry.close();
            }
        }
    }

    private static byte[] expected(String name) throws IOException {
        return Files.readAllBytes(tree.resolve(name));
    }

    private static Path mnt(String name) {
        return mounted.mountPoint().resolve(name);
    }

    @Test
    @Order(1)
    void registryStoppingMidReadFailsTheReadWithEioThenReadsRecoverWhenItReturns() throws Exception {
        byte[] head = new byte[65536];
        try (InputStream in = Files.newInputStream(mnt("f01"))) {
            assertTrue(in.readNBytes(head, 0, head.length) == head.length);
            proxy.mode(FaultProxy.Mode.HOLD);
            IOException e = assertThrows(IOException.class, () -> in.readAllBytes());
            assertTrue(String.valueOf(e.getMessage()).contains("Input/output error"), e.toString());
        }
        proxy.mode(FaultProxy.Mode.PASS);
        byte[] got = null;
        for (int attempt = 0; attempt < 20 && got == null; attempt++) {
            try {
                got = Files.readAllBytes(mnt("f01"));
            } catch (IOException stillFailing) {
                Thread.sleep(500);
            }
        }
        assertArrayEquals(expected("f01"), got);
    }

    @Test
    @Order(2)
    void cachedFilesKeepWorkingWhileTheRegistryIsGone() throws Exception {
        assertArrayEquals(expected("f02"), Files.readAllBytes(mnt("f02")));
        proxy.mode(FaultProxy.Mode.HOLD);
        try {
            Files.writeString(Path.of("/proc/sys/vm/drop_caches"), "3"); // the kernel's copy is gone too
            assertArrayEquals(expected("f02"), Files.readAllBytes(mnt("f02")));
            assertThrows(IOException.class, () -> Files.readAllBytes(mnt("f03")));
        } finally {
            proxy.mode(FaultProxy.Mode.PASS);
        }
    }

    @Test
    @Order(3)
    void aSlowRegistryStillServesTheRightBytes() throws IOException {
        proxy.mode(FaultProxy.Mode.SLOW);
        try {
            assertArrayEquals(expected("f04"), Files.readAllBytes(mnt("f04")));
        } finally {
            proxy.mode(FaultProxy.Mode.PASS);
        }
    }

    @Test
    @Order(4)
    void manyThreadsReadingTheSameAndDifferentFilesGetTheRightBytes() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(16);
        List<Future<Boolean>> results = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            String name = String.format("f%02d", 10 + i % 8);
            results.add(pool.submit(() -> java.util.Arrays.equals(expected(name), Files.readAllBytes(mnt(name)))));
        }
        for (Future<Boolean> f : results) {
            assertTrue(f.get());
        }
        pool.shutdown();
    }

    @Test
    @Order(5)
    void unmountingWhileReadsWaitEndsThemAndLeavesNoMount() throws Exception {
        proxy.mode(FaultProxy.Mode.HOLD);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<?>> reads = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            String name = String.format("f%02d", 20 + i);
            reads.add(pool.submit(() -> Files.readAllBytes(mnt(name))));
        }
        Thread.sleep(300); // let the reads reach the filesystem
        mounted.close();
        for (Future<?> f : reads) {
            try {
                f.get(30, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException expected) {
                // EIO or ENOTCONN: the read ended, which is the point
            }
        }
        pool.shutdown();
        proxy.mode(FaultProxy.Mode.PASS);
        assertFalse(MountTable.isMountPoint(tmp.resolve("mnt")));
    }
}
