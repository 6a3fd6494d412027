package dev.estargz.snapshotter.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The fuse manager (on by default): the daemon starts it detached and it owns every FUSE layer mount, so a
 * container started before the daemon is killed (SIGKILL, registry stopped during the restart) or stopped
 * (SIGTERM, the upgrade case) keeps reading its lazily pulled layers through its existing overlay. A killed
 * manager is replaced by the daemon and layers come back from their saved state for new containers.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FuseManagerIT {
    private static final String PROBE = "cat /keep/b /keep/c /opq/new; ls /keep /opq";
    private static final String FILES = "b1\nc2\nnew\n/keep:\nb\nc\n\n/opq:\nnew\n";
    StargzStack stack;
    int managerMetricsPort;
    LazyImageRegistry served;
    CountingProxy proxy;
    String ref;
    DaemonProcess daemon;
    ContainerdWithStargz containerd;

    @BeforeAll
    void start() throws IOException {
        stack = StargzStack.create("esz-fm-");
        managerMetricsPort = StargzStack.freePort();
        // no "enable": the fuse manager is the default
        stack.writeConfig(
                "no_background_fetch = true",
                "[blob]",
                "fetching_timeout_sec = 5",
                "[fuse_manager]",
                "address = \"" + stack.managerSocket + "\"",
                "metrics_address = \"127.0.0.1:" + managerMetricsPort + "\"");
        served = LazyImageRegistry.start("fm/app:1", stack.dir.resolve("img"));
        proxy = served.proxy;
        ref = served.ref;
        daemon = stack.startDaemon();
        containerd = stack.startContainerd(null);
        containerd.awaitStargz();
        containerd.ctr("images", "rpull", "--plain-http", "--snapshotter", "stargz", ref);
        containerd.ctr("run", "-d", "--snapshotter", "stargz", ref, "long-1", "sleep", "600");
    }

    @AfterAll
    void stop() throws IOException {
        if (containerd != null) {
            containerd.ctrRaw("tasks", "kill", "-s", "KILL", "long-1");
            Run.retry(() -> containerd.ctrRaw("tasks", "rm", "long-1"));
        }
        if (stack != null) {
            stack.close();
        }
        if (served != null) {
            served.close();
        }
    }

    @Test
    @Order(1)
    void runningContainerSurvivesKill9OfTheDaemonWithTheRegistryStopped() throws Exception {
        assertEquals("estargz-lazy\n", exec("e1", "cat", "/etc/hostname"));
        // reads files of both lazy layers (whiteout and opaque dir included), so they are cached
        assertEquals(FILES, exec("e0", "sh", "-c", PROBE));
        String snapshots = containerd.ctr("snapshots", "--snapshotter", "stargz", "ls").output();
        long manager = FuseManagerProcess.pid(stack.managerSocket);
        assertTrue(FuseManagerProcess.alive(manager), "no fuse manager runs");
        String m = metrics();
        assertTrue(m.contains("estargz_fs_layer_fetched_bytes{layer=\"sha256:"), m);
        assertTrue(m.contains("operation_type=\"on_demand_read_access_count\"")
                && m.contains("operation_type=\"on_demand_bytes_served\""), "the manager counts on-demand reads: " + m);

        daemon.kill9();
        // the kernel would have aborted in-process FUSE connections by now: the layers must still be served
        assertEquals("estargz-lazy\n", exec("e2", "cat", "/etc/hostname"));
        proxy.down(true);
        try {
            daemon = stack.startDaemon();
            containerd.awaitStargz();
            assertEquals(snapshots, Run.retry(() -> containerd.ctrRaw("snapshots", "--snapshotter", "stargz", "ls"))
                    .output());
            assertEquals(manager, FuseManagerProcess.pid(stack.managerSocket), "the daemon replaced a live manager");
            // cached file of a lazy layer, a file of the other layer, and the container's upper dir
            assertEquals("estargz-lazy\n", exec("e3", "cat", "/etc/hostname"));
            assertEquals(FILES, exec("e4", "sh", "-c", PROBE));
            assertEquals("upper\n", exec("e5", "sh", "-c", "echo upper > /w && cat /w"));
        } finally {
            proxy.down(false);
        }
        // a new pull after the restart mounts new layers through the same manager
        String ns = containerd.namespace + "-b";
        try {
            assertEquals(0, containerd.ctrIn(ns, "images", "rpull", "--plain-http", "--snapshotter", "stargz", ref)
                    .exit());
            Run run = containerd.ctrIn(ns, "run", "--rm", "--snapshotter", "stargz", ref, "new-1", "cat",
                    "/etc/hostname");
            assertEquals("estargz-lazy\n", run.output());
        } finally {
            containerd.ctrIn(ns, "images", "rm", ref);
        }
    }

    @Test
    @Order(2)
    void runningContainerSurvivesSigtermAndRestartOfTheDaemon() throws Exception {
        long manager = FuseManagerProcess.pid(stack.managerSocket);
        daemon.close();
        assertEquals("estargz-lazy\n", exec("t1", "cat", "/etc/hostname"));
        daemon = stack.startDaemon();
        containerd.awaitStargz();
        assertEquals(manager, FuseManagerProcess.pid(stack.managerSocket));
        assertEquals("estargz-lazy\n", exec("t2", "cat", "/etc/hostname"));
        assertEquals("estargz-lazy\n", containerd.ctrRaw("run", "--rm", "--snapshotter", "stargz", ref, "after-term",
                "cat", "/etc/hostname").output());
    }

    @Test
    @Order(3)
    void killedManagerIsReplacedAndLayersComeBackForNewContainers() throws Exception {
        long old = FuseManagerProcess.pid(stack.managerSocket);
        FuseManagerProcess.kill9(old);
        // the daemon notices on the next use, starts a new manager, and restores the layers from saved state
        Run run = containerd.ctrRaw("run", "--rm", "--snapshotter", "stargz", ref, "after-kill", "cat",
                "/etc/hostname");
        assertEquals("estargz-lazy\n", run.output(), daemon.log());
        long now = FuseManagerProcess.pid(stack.managerSocket);
        assertNotEquals(old, now);
        assertTrue(FuseManagerProcess.alive(now));
    }

    private String exec(String execId, String... argv) throws IOException {
        List<String> args = new ArrayList<>(List.of("tasks", "exec", "--exec-id", execId, "long-1"));
        args.addAll(List.of(argv));
        return containerd.ctr(args.toArray(String[]::new)).output();
    }

    private String metrics() throws IOException, InterruptedException {
        return Run.scrape(managerMetricsPort);
    }
}
