package dev.estargz.snapshotter.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.estargz.proto.cri.AuthConfig;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
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
 * {@code [cri_keychain]} for real: a docker-registry that asks for htpasswd basic auth, no credentials in any docker
 * config (the daemon's {@code DOCKER_CONFIG} is an empty directory), a containerd with its CRI plugin on (namespace
 * {@code k8s.io}), and CRI calls made to OUR socket as kubelet with {@code --image-service-endpoint} would make them:
 * the pull secret of {@code PullImage} reaches the layers' range reads, so the image is mounted lazily. Subclasses
 * say which process reads the layers and keeps the secrets, and where it serves.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class CriKeychainCases {
    private static final String USER = "kube";
    private static final String PASSWORD = "pull-s3cret";

    StargzStack stack;
    int metricsPort;
    LazyImageRegistry served;
    CountingProxy proxy;
    LazyImage image;
    String ref;
    ContainerdWithStargz containerd;
    DaemonProcess daemon;

    /** The config lines that place the FUSE mounts and the CRI service (after {@code [cri_keychain]}'s others). */
    abstract List<String> placement();

    /** Where kubelet's CRI calls go. */
    abstract Path criSocket();

    /** The log of the process that keeps the pull secrets. */
    abstract Path keychainLog();

    @BeforeAll
    void start() throws IOException {
        stack = StargzStack.create("esz-cri-");
        metricsPort = StargzStack.freePort();
        served = LazyImageRegistry.start("private/app:1", stack.dir.resolve("img"), Map.of(USER, PASSWORD));
        proxy = served.proxy;
        image = served.image;
        ref = served.ref;
        containerd = stack.startContainerd(proxy.host());
        List<String> config = new ArrayList<>(List.of(
                "metrics_address = \"127.0.0.1:" + metricsPort + "\"",
                "no_background_fetch = true",
                "[blob]",
                "fetching_timeout_sec = 5",
                "[cri_keychain]",
                "enable_keychain = true",
                "image_service_path = \"" + containerd.socket() + "\""));
        config.addAll(placement());
        stack.writeConfig(config.toArray(String[]::new));
        Path emptyDockerConfig = Files.createDirectories(stack.dir.resolve("docker-config"));
        daemon = stack.startDaemon(Map.of("DOCKER_CONFIG", emptyDockerConfig.toString()));
        containerd.awaitStargz();
        // a fuse manager the daemon started serves listen_path once its JVM is up, a moment after the daemon
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.exists(criSocket())) {
            if (System.nanoTime() > deadline) {
                throw new IOException("nothing serves CRI on " + criSocket() + ":\n" + Files.readString(keychainLog()));
            }
            DaemonProcess.sleep(100);
        }
    }

    @AfterAll
    void stop() throws IOException {
        if (stack != null) {
            stack.close();
        }
        if (served != null) {
            served.close();
        }
    }

    private static AuthConfig auth(String password) {
        return AuthConfig.newBuilder().setUsername(USER).setPassword(password).build();
    }

    @Test
    @Order(1)
    void pullImageWithAuthOnOurSocketMountsThePrivateLayersLazilyAndReadsThemWithThePullSecret() throws Exception {
        long before = proxy.downstreamBytes();
        String imageId = CriImageService.pull(criSocket(), ref, auth(PASSWORD));
        long pulled = proxy.downstreamBytes() - before;

        assertEquals(image.pushed.manifest().config().digest().toString(), imageId);
        String log = daemon.log();
        assertFalse(log.contains("remote-snapshot-prepared=false"), "a layer fell back to a full pull:\n" + log);
        assertEquals(2.0, Run.counter(metricsPort, "estargz_snapshotter_remote_snapshots_total"),
                Run.scrape(metricsPort));
        String keychain = logSince(0);
        assertTrue(keychain.contains("CRI PullImage of " + ref + " done"), keychain);
        assertTrue(pulled < image.blobBytes() - LazyImage.BIG / 2, "the PullImage fetched " + pulled + " of "
                + image.blobBytes() + " blob bytes");
        List<Path> layers = stack.remoteLayerMounts();
        assertEquals(2, layers.size(), layers.toString());
        for (Path fs : layers) {
            assertEquals("fuse.estargz", mountType(fs), fs.toString());
        }

        // never read yet: fetched now, from a registry that answers 401 without the pull secret
        long beforeRead = proxy.downstreamBytes();
        byte[] big = Files.readAllBytes(bigFileLayer(layers).resolve("data/big"));
        assertEquals(image.bigSha256, HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(big)));
        assertTrue(proxy.downstreamBytes() - beforeRead >= LazyImage.BIG / 2, "data/big was not read on demand");
    }

    @Test
    @Order(2)
    void aWrongPasswordFailsThePullClearlyAndLeavesTheMountedLayersReadable() throws Exception {
        long mark = Files.size(keychainLog());
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> CriImageService.pull(criSocket(), ref, auth("not-" + PASSWORD)));
        String message = e.getStatus().getDescription();
        assertTrue(message != null && message.contains("401 Unauthorized") && message.contains(ref), e.toString());
        String log = logSince(mark);
        assertTrue(log.contains("CRI PullImage of " + ref + " failed"), log);
        assertFalse(log.contains("not-" + PASSWORD), "the password was logged:\n" + log);

        // the earlier, good pull secret is what the mounted layers still read with
        Path busybox = stack.remoteLayerMounts().stream().filter(p -> Files.exists(p.resolve("bin/busybox")))
                .findFirst().orElseThrow().resolve("bin/busybox");
        long beforeRead = proxy.downstreamBytes();
        assertArrayEquals(Files.readAllBytes(Path.of("/bin/busybox")), Files.readAllBytes(busybox));
        assertTrue(proxy.downstreamBytes() > beforeRead, "bin/busybox came from the registry");
    }

    @Test
    @Order(3)
    void everyOtherImageCallIsPassedOnToContainerd() throws Exception {
        String imageId = image.pushed.manifest().config().digest().toString();
        assertEquals(imageId, CriImageService.status(criSocket(), ref));
        assertEquals(imageId, CriImageService.status(containerd.socket(), ref), "the same image in containerd's CRI");
        CriImageService.remove(criSocket(), ref);
        assertEquals("", CriImageService.status(containerd.socket(), ref));
    }

    /** The keychain process's log from byte {@code mark} on; the log is JSON, which writes / as \/. */
    private String logSince(long mark) throws IOException {
        return Files.readString(keychainLog()).substring((int) mark).replace("\\/", "/");
    }

    private Path bigFileLayer(List<Path> layers) {
        return layers.stream().filter(p -> Files.exists(p.resolve("data/big"))).findFirst().orElseThrow();
    }

    /** The filesystem type mounted at {@code p}, from /proc/self/mountinfo ("" when nothing is). */
    private static String mountType(Path p) throws IOException {
        String target = " " + p.toAbsolutePath().normalize() + " ";
        return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream().filter(l -> l.contains(target))
                .map(l -> l.substring(l.indexOf(" - ") + 3).split(" ")[0]).findFirst().orElse("");
    }
}
