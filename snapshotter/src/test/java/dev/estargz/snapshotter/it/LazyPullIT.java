package dev.estargz.snapshotter.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Lazy pulling for real: containerd 1.6 + runc + docker-registry + our daemon, an eStargz image made by our
 * converter, the reference's {@code ctr-remote image rpull}. The registry is reached through a proxy that counts
 * its bytes and can play a stopped registry. Background fetch is off so the counts show what was read on demand.
 * The daemon serves FUSE in-process here ({@code [fuse_manager] enable = false}): a killed daemon's layers are
 * mounted again from saved state.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LazyPullIT {
    /** What the TOC reader reads of each layer here, at most: footer, tail and TOC (the test layers' TOCs are small). */
    private static final long TAIL_READ = 256 * 1024 + 64;
    /** HTTP headers of the requests a pull makes (HEADs, ranges, manifest, config), generously. */
    private static final long HTTP_OVERHEAD = 64 * 1024;

    StargzStack stack;
    int metricsPort;
    LazyImageRegistry served;
    CountingProxy proxy;
    LazyImage image;
    String ref;
    DaemonProcess daemon;
    ContainerdWithStargz containerd;

    @BeforeAll
    void start() throws IOException {
        stack = StargzStack.create("esz-lazy-");
        metricsPort = StargzStack.freePort();
        stack.writeConfig(
                "metrics_address = \"127.0.0.1:" + metricsPort + "\"",
                "no_background_fetch = true",
                "[blob]",
                "fetching_timeout_sec = 5",
                // the in-process mode (FUSE served by the daemon itself); FuseManagerIT covers the default
                "[fuse_manager]",
                "enable = false");
        served = LazyImageRegistry.start("lazy/app:1", stack.dir.resolve("img"));
        proxy = served.proxy;
        image = served.image;
        ref = served.ref;
        daemon = stack.startDaemon();
        containerd = stack.startContainerd(proxy.host());
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

    @Test
    @Order(1)
    void rpullFetchesOnlyManifestConfigAndTocsThenRunsLikeOverlayfs() throws Exception {
        long before = proxy.downstreamBytes();
        containerd.ctr("images", "rpull", "--plain-http", "--snapshotter", "stargz", ref);
        long pulled = proxy.downstreamBytes() - before;
        long bound = image.pushed.manifestBytes().length + image.pushed.config().length + HTTP_OVERHEAD
                + image.layers.stream().mapToLong(l -> Math.min(l.blobSize(), TAIL_READ)).sum();
        assertTrue(pulled <= bound, "rpull fetched " + pulled + " bytes; manifest, config and TOCs are at most "
                + bound + "\n" + daemon.log());
        assertTrue(metrics().contains("estargz_snapshotter_remote_snapshots_total 2.0"), metrics());

        String lazy = containerd.ctr("run", "--snapshotter", "stargz", "--rm", ref, "lz-1", "sh", "-c",
                LazyImage.PROBE).output();
        long total = proxy.downstreamBytes() - before;
        assertTrue(total < image.blobBytes() - LazyImage.BIG / 2, "the 4 MiB file nobody read was fetched: "
                + total + " of " + image.blobBytes() + " blob bytes");

        containerd.ctr("images", "pull", "--plain-http", ref);
        // the baseline only: ctr sometimes loses the end of a container's output when it exits at once (seen as an
        // overlayfs run that printed the listing and nothing after); ours is never retried
        String overlay = "";
        for (int i = 1; i <= 3 && !overlay.contains("estargz-lazy"); i++) {
            overlay = containerd.ctr("run", "--rm", ref, "ov-" + i, "sh", "-c", LazyImage.PROBE).output();
        }
        assertEquals(overlay, lazy);
        assertTrue(lazy.contains("b1\nc2\nnew\n") && lazy.contains("estargz-lazy"), lazy);
    }

    @Test
    @Order(2)
    void killedDaemonRestoresRemoteSnapshotsFromLocalStateWithTheRegistryStopped() throws Exception {
        containerd.ctr("images", "rpull", "--plain-http", "--snapshotter", "stargz", ref);
        containerd.ctr("run", "-d", "--snapshotter", "stargz", ref, "long-1", "sleep", "600");
        try {
            assertEquals("estargz-lazy\n", containerd.ctr("tasks", "exec", "--exec-id", "e1", "long-1", "cat",
                    "/etc/hostname").output());
            String before = containerd.ctr("snapshots", "--snapshotter", "stargz", "ls").output();
            List<Path> remote = remoteLayerMounts();
            assertEquals(2, remote.size(), remote.toString());

            daemon.kill9();
            proxy.down(true);
            long logMark = Files.size(stack.daemonLog);
            daemon = stack.startDaemon();
            containerd.awaitStargz();
            assertEquals(before, Run.retry(() -> containerd.ctrRaw("snapshots", "--snapshotter", "stargz", "ls"))
                    .output());
            String restartLog = Files.readString(stack.daemonLog).substring((int) logMark);
            assertFalse(restartLog.contains("failed to restore"), restartLog);
            for (Path fs : remote) {
                assertTrue(isMountPoint(fs), fs + " is not mounted again\n" + restartLog);
            }
            Path lower = remote.stream().filter(p -> Files.exists(p.resolve("data/big"))).findFirst().orElseThrow();
            // cached while the first container ran: served from the local cache, registry or not
            assertEquals("estargz-lazy\n", Files.readString(lower.resolve("etc/hostname")));
            // never read: it needs the registry, so the read fails (bounded by fetching_timeout_sec) instead of hanging
            assertThrows(IOException.class, () -> Files.readAllBytes(lower.resolve("data/big")));

            proxy.down(false);
            String sum = containerd.ctr("run", "--snapshotter", "stargz", "--rm", ref, "lz-2", "busybox",
                    "sha256sum", "/data/big").output();
            assertTrue(sum.startsWith(image.bigSha256 + " "), sum);
        } finally {
            containerd.ctrRaw("tasks", "kill", "-s", "KILL", "long-1");
            Run.retry(() -> containerd.ctrRaw("tasks", "rm", "long-1"));
            containerd.ctrRaw("containers", "rm", "long-1");
        }
    }

    @Test
    @Order(3)
    void criPullImageWithStargzSnapshotterPullsLazily() throws Exception {
        proxy.down(false);
        double before = counter("estargz_snapshotter_remote_snapshots_total");
        long bytesBefore = proxy.downstreamBytes();
        String imageId = CriImageService.pull(containerd.socket(), ref);
        long pulled = proxy.downstreamBytes() - bytesBefore;
        assertEquals(image.pushed.manifest().config().digest().toString(), imageId);
        assertEquals(before + 2, counter("estargz_snapshotter_remote_snapshots_total"), metrics());
        assertTrue(pulled < image.blobBytes() - LazyImage.BIG / 2, "CRI pull fetched " + pulled + " bytes");
        assertTrue(Files.readString(stack.daemonLog).contains("from the CRI label set"),
                "the CRI labels reached the daemon");
    }

    @Test
    @Order(4)
    void savedTocTornByAPowerLossIsResolvedInTheRegistryOnRestore() throws Exception {
        proxy.down(false);
        containerd.ctr("images", "rpull", "--plain-http", "--snapshotter", "stargz", ref);
        List<Path> remote = remoteLayerMounts();
        assertFalse(remote.isEmpty());
        // saves are not synced: after a power loss the file can hold zeros where the TOC was, at its full length
        Path torn = remote.get(0).resolveSibling("stargz-layer.bin");
        Files.write(torn, new byte[(int) Files.size(torn)]);

        daemon.kill9();
        long logMark = Files.size(stack.daemonLog);
        daemon = stack.startDaemon();
        containerd.awaitStargz();
        Run.retry(() -> containerd.ctrRaw("snapshots", "--snapshotter", "stargz", "ls"));
        String restartLog = Files.readString(stack.daemonLog).substring((int) logMark);
        assertTrue(restartLog.contains("does not mount from its saved TOC"), restartLog);
        assertTrue(isMountPoint(remote.get(0)), remote.get(0) + " is not mounted again\n" + restartLog);
        String out = containerd.ctr("run", "--snapshotter", "stargz", "--rm", ref, "lz-4", "cat", "/etc/hostname")
                .output();
        assertEquals("estargz-lazy\n", out);
    }

    private double counter(String name) throws IOException, InterruptedException {
        return Run.counter(metricsPort, name);
    }

    private List<Path> remoteLayerMounts() throws IOException {
        return stack.remoteLayerMounts();
    }

    private static boolean isMountPoint(Path p) throws IOException {
        String target = " " + p.toAbsolutePath().normalize() + " ";
        return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream().anyMatch(l -> l.contains(target));
    }

    private String metrics() throws IOException, InterruptedException {
        return Run.scrape(metricsPort);
    }
}
