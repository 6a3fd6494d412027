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
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
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
 * the pull secret of {@code PullImage} reaches the layers' range reads, so the image is mounted lazily.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CriKeychainIT {
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

    @BeforeAll
    void start() throws IOException {
        stack = StargzStack.create("esz-cri-");
        metricsPort = StargzStack.freePort();
        served = LazyImageRegistry.start("private/app:1", stack.dir.resolve("img"), Map.of(USER, PASSWORD));
        proxy = served.proxy;
        image = served.image;
        ref = served.ref;
        containerd = stack.startContainerd(proxy.host());
        stack.writeConfig(
                "metrics_address = \"127.0.0.1:" + metricsPort + "\"",
                "no_background_fetch = true",
                "[blob]",
                "fetching_timeout_sec = 5",
                // the CRI credentials live in the process that reads the layers: this daemon
                "[fuse_manager]",
                "enable = false",
                "[cri_keychain]",
                "enable_keychain = true",
                "image_service_path = \"" + containerd.socket() + "\"");
        Path emptyDockerConfig = Files.createDirectories(stack.dir.resolve("docker-config"));
        daemon = stack.startDaemon(Map.of("DOCKER_CONFIG", emptyDockerConfig.toString()));
        containerd.awaitStargz();
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
        String imageId = CriImageService.pull(stack.socket, ref, auth(PASSWORD));
        long pulled = proxy.downstreamBytes() - before;

        assertEquals(image.pushed.manifest().config().digest().toString(), imageId);
        String log = daemon.log().replace("\\/", "/");
        assertFalse(log.contains("remote-snapshot-prepared=false"), "a layer fell back to a full pull:\n" + log);
        assertEquals(2.0, Run.counter(metricsPort, "estargz_snapshotter_remote_snapshots_total"),
                Run.scrape(metricsPort));
        assertTrue(log.contains("CRI PullImage of " + ref + " done"), log);
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
        long mark = Files.size(stack.daemonLog);
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> CriImageService.pull(stack.socket, ref, auth("not-" + PASSWORD)));
        String message = e.getStatus().getDescription();
        assertTrue(message != null && message.contains("401 Unauthorized") && message.contains(ref), e.toString());
        // the log is JSON, which writes / as \/
        String log = Files.readString(stack.daemonLog).substring((int) mark).replace("\\/", "/");
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
        assertEquals(imageId, CriImageService.status(stack.socket, ref));
        assertEquals(imageId, CriImageService.status(containerd.socket(), ref), "the same image in containerd's CRI");
        CriImageService.remove(stack.socket, ref);
        assertEquals("", CriImageService.status(containerd.socket(), ref));
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
