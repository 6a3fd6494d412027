package dev.estargz.snapshotter.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.estargz.format.writer.ConvertResult;
import dev.estargz.fusefs.fuse.MountTable;
import dev.estargz.registry.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * {@code bin/estargz-store} as Debian's real Podman uses it: containers/storage with
 * {@code additionallayerstores = ["<mount>:ref"]} (private graph root, run root and configs), a docker-registry
 * holding a {@link LazyImage} behind a {@link CountingProxy}, and a plain gzip busybox image next to it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EstargzStoreIT {
    StargzStack stack;
    LazyImageRegistry registry;
    Path mount;
    Path storeLog;
    Process store;

    @BeforeAll
    void start() throws IOException {
        stack = StargzStack.create("esz-store-");
        registry = LazyImageRegistry.start("store/app:1", stack.dir.resolve("img"));
        mount = Files.createDirectories(stack.dir.resolve("store"));
        storeLog = stack.dir.resolve("store.log");
        stack.writeConfig("filesystem_cache_type = \"memory\"", "no_background_fetch = true");
        Path d = stack.dir;
        Files.writeString(d.resolve("storage.conf"), String.join("\n",
                "[storage]", "driver = \"overlay\"", "graphroot = \"" + d.resolve("graph") + "\"",
                "runroot = \"" + d.resolve("run") + "\"", "[storage.options]",
                "additionallayerstores = [\"" + mount + ":ref\"]", ""));
        // lowering rlimits needs no capability; podman's root defaults raise them, which a sandbox may refuse
        Files.writeString(d.resolve("containers.conf"), String.join("\n",
                "[engine]", "cgroup_manager = \"cgroupfs\"", "events_logger = \"file\"",
                "events_logfile_path = \"" + d.resolve("events.log") + "\"", "tmp_dir = \"" + d.resolve("tmp") + "\"",
                "[containers]", "netns = \"none\"", "default_ulimits = [\"nofile=1024:1024\", \"nproc=4096:4096\"]",
                ""));
        Files.writeString(d.resolve("registries.conf"), "unqualified-search-registries = []\n");
        startStore();
    }

    @AfterAll
    void stop() throws IOException {
        try {
            if (stack != null) {
                podman("rm", "-a", "-f");
                podman("rmi", "-a", "-f");
                podman("unmount", "-a");
            }
        } finally {
            stopStore();
            if (stack != null) {
                List<String> left = new ArrayList<>();
                for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                    String mp = line.split(" ")[4];
                    if (mp.startsWith(stack.dir + "/")) {
                        left.add(mp);
                    }
                }
                left.sort((a, b) -> b.compareTo(a));
                for (String mp : left) {
                    Run.of(List.of("umount", "-l", mp));
                }
            }
            if (registry != null) {
                registry.close();
            }
            if (stack != null) {
                stack.close();
            }
        }
    }

    @Test
    @Order(1)
    void podmanRunsAnEStargzImageWithoutDownloadingItsLayers() throws Exception {
        long before = registry.proxy.downstreamBytes();
        Run pull = podman("pull", "--tls-verify=false", registry.ref);
        assertEquals(0, pull.exit(), pull.output());
        Run run = podman("run", "--rm", registry.ref, "sh", "-c", LazyImage.PROBE);
        assertEquals(0, run.exit(), run.output() + "\n" + storeLog());
        long fetched = registry.proxy.downstreamBytes() - before;
        assertTrue(fetched < registry.image.blobBytes() - LazyImage.BIG / 2, "the 4 MiB file nobody read was"
                + " fetched: " + fetched + " of " + registry.image.blobBytes() + " blob bytes\n" + storeLog());
        // the same answer as overlayfs gives from the extracted layers (LazyPullIT compares the two); podman puts
        // its own /etc/hostname over the image's
        assertTrue(run.output().startsWith("/keep:\n.\n..\nb\nc\n\n/opq:\n.\n..\nnew\nb1\nc2\nnew\n"),
                run.output());
        assertTrue(run.output().contains("gone: No such file or directory"), run.output());
        assertTrue(storeLog().contains("is marked as USING"), storeLog());

        Run sum = podman("run", "--rm", registry.ref, "busybox", "sha256sum", "/data/big");
        assertTrue(sum.output().startsWith(registry.image.bigSha256 + " "), sum.output());
    }

    @Test
    @Order(2)
    void infoAndBlobAreWhatContainersStorageNeeds() throws Exception {
        String refDir = Base64.getEncoder().encodeToString(registry.ref.getBytes(StandardCharsets.UTF_8));
        for (ConvertResult layer : registry.image.layers) {
            Path dir = mount.resolve(refDir).resolve(layer.blobDigest().toString());
            JsonNode info = new ObjectMapper().readTree(Files.readAllBytes(dir.resolve("info")));
            assertEquals(layer.blobDigest().toString(), info.path("compressed-diff-digest").asText(), info.toString());
            assertEquals(layer.blobSize(), info.path("compressed-size").asLong(), info.toString());
            assertEquals(layer.diffId().toString(), info.path("diff-digest").asText(), info.toString());
            assertEquals(layer.uncompressedSize(), info.path("diff-size").asLong(), info.toString());
            assertEquals(2, info.path("compression").asInt(), info.toString());
            assertEquals(layer.blobSize(), Files.size(dir.resolve("blob")));
            assertEquals(layer.blobDigest(), sha256(dir.resolve("blob")), "the blob file is not the layer's blob");
            assertTrue(Files.isDirectory(dir.resolve("diff")));
        }
        Path bogus = mount.resolve(Base64.getEncoder().encodeToString("not a ref!".getBytes(StandardCharsets.UTF_8)));
        assertTrue(!Files.exists(bogus), "a malformed reference must not look like a layer");
        Path unknown = mount.resolve(refDir).resolve(Digest.sha256(new byte[1]).toString()).resolve("diff");
        assertTrue(!Files.exists(unknown), "a digest the image does not have must not look like a layer");
    }

    @Test
    @Order(3)
    void aPlainGzipImageIsPulledAsUsual() throws Exception {
        String plain = BusyboxImage.push(registry.proxy.host(), "store/plain:1");
        Run pull = podman("pull", "--tls-verify=false", plain);
        assertEquals(0, pull.exit(), pull.output());
        Run run = podman("run", "--rm", plain, "sh", "-c", "echo plain ok");
        assertEquals("plain ok\n", run.output());
        assertTrue(storeLog().contains("not an eStargz layer?"), storeLog());
    }

    @Test
    @Order(4)
    void aRestartedStoreServesThePulledImageAgain() throws Exception {
        stopStore();
        assertTrue(!MountTable.isMountPoint(mount), "the store did not unmount on SIGTERM");
        startStore();
        Run run = podman("run", "--rm", registry.ref, "cat", "/keep/c", "/opq/new");
        assertEquals("c2\nnew\n", run.output(), storeLog());
    }

    @Test
    @Order(5)
    void removingTheImageReleasesItsLayers() throws Exception {
        Run rmi = podman("rmi", "-f", registry.ref);
        assertEquals(0, rmi.exit(), rmi.output());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!storeLog().contains("is released due to no reference") && System.nanoTime() < deadline) {
            DaemonProcess.sleep(100);
        }
        assertTrue(storeLog().contains("is released due to no reference"), storeLog());
    }

    private void startStore() throws IOException {
        Path launcher = Path.of("..", "bin", "estargz-store").toAbsolutePath().normalize();
        store = new ProcessBuilder(launcher.toString(), "-root", stack.root.toString(), "-config",
                stack.config.toString(), "-log-level", "debug", mount.toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(storeLog.toFile())).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!MountTable.isMountPoint(mount)) {
            if (!store.isAlive() || System.nanoTime() > deadline) {
                store.destroyForcibly();
                throw new IOException("estargz-store did not mount " + mount + ":\n" + storeLog());
            }
            DaemonProcess.sleep(50);
        }
    }

    private void stopStore() {
        if (store == null) {
            return;
        }
        store.destroy();
        try {
            if (!store.waitFor(15, TimeUnit.SECONDS)) {
                store.destroyForcibly();
                store.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            store.destroyForcibly();
        }
        store = null;
    }

    private String storeLog() throws IOException {
        return Files.exists(storeLog) ? Files.readString(storeLog) : "";
    }

    /** podman with this test's storage, engine and registries configs only. */
    private Run podman(String... args) throws IOException {
        List<String> argv = new ArrayList<>(List.of("podman"));
        argv.addAll(List.of(args));
        return Run.of(argv, Map.of(
                "CONTAINERS_STORAGE_CONF", stack.dir.resolve("storage.conf").toString(),
                "CONTAINERS_CONF", stack.dir.resolve("containers.conf").toString(),
                "CONTAINERS_REGISTRIES_CONF", stack.dir.resolve("registries.conf").toString()), 3);
    }

    private static Digest sha256(Path file) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        }
        return Digest.parse("sha256:" + HexFormat.of().formatHex(md.digest()));
    }
}
