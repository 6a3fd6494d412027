package dev.estargz.snapshotter.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.estargz.testkit.RegistryProcess;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Real containerd 1.6 + runc with our daemon as {@code [proxy_plugins.stargz]}, each started by the test,
 * private dirs and namespace. One containerd and one daemon serve all tests to keep the suite lean.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ContainerdSnapshotterIT {
    StargzStack stack;
    int metricsPort;
    DaemonProcess daemon;
    ContainerdWithStargz containerd;

    @BeforeAll
    void start() throws IOException {
        stack = StargzStack.create("esz-");
        metricsPort = StargzStack.freePort();
        stack.writeConfig("metrics_address = \"127.0.0.1:" + metricsPort + "\"",
                "[fuse_manager]",
                "address = \"" + stack.managerSocket + "\"");
        daemon = stack.startDaemon();
        containerd = stack.startContainerd(null);
    }

    @AfterAll
    void stop() throws IOException {
        if (stack != null) {
            stack.close();
        }
    }

    /** Runs one ctr snapshots sequence against {@code snapshotter}; outputs with roots and ids normalised. */
    private String transcript(String snapshotter, Path snapshotsParent, String prefix) throws IOException {
        String[][] steps = {
                {"prepare", "--mounts", prefix + "a"},
                {"commit", prefix + "l1", prefix + "a"},
                {"view", "--mounts", prefix + "v1", prefix + "l1"},
                // ctr labels what it prepares and commits as GC roots, but not views: do it, or GC may take them
                {"label", prefix + "v1", "containerd.io/gc.root=test"},
                {"prepare", "--mounts", prefix + "b", prefix + "l1"},
                {"commit", prefix + "l2", prefix + "b"},
                {"view", "--mounts", prefix + "v2", prefix + "l2"},
                {"label", prefix + "v2", "containerd.io/gc.root=test"},
                {"prepare", prefix + "c", prefix + "l2"},
                {"mounts", "/target", prefix + "c"},
                {"prepare", prefix + "a", prefix + "missing"},
                {"prepare", prefix + "c", prefix + "l2"},
                {"commit", prefix + "x", prefix + "v1"},
                {"label", prefix + "l1", "foo=bar"},
                {"usage", prefix + "c"},
                {"rm", prefix + "l1"},
                {"rm", prefix + "c"},
                {"rm", prefix + "v2"},
                {"rm", prefix + "v1"},
                {"rm", prefix + "l2"},
                {"rm", prefix + "l1"},
                {"ls"},
        };
        StringBuilder out = new StringBuilder();
        for (String[] step : steps) {
            String[] argv = new String[step.length + 3];
            argv[0] = "snapshots";
            argv[1] = "--snapshotter";
            argv[2] = snapshotter;
            System.arraycopy(step, 0, argv, 3, step.length);
            Run r = containerd.ctrRaw(argv);
            String output = r.output();
            if (step[0].equals("label")) {
                // Go prints the label map in random order, with the time of the gc.root label
                output = String.join(",", new java.util.TreeSet<>(List.of(output.trim()
                        .replaceAll("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ", "TIME").split(",")))) + "\n";
            }
            out.append("$ ").append(String.join(" ", step)).append(" -> ").append(r.exit()).append('\n')
                    .append(output);
        }
        String text = out.toString().replace(snapshotsParent.toString(), "ROOT")
                .replaceAll(Pattern.quote(containerd.namespace) + "/\\d+/", "NS/N/")
                .replace(prefix, "");
        return normaliseIds(text);
    }

    private static String normaliseIds(String s) {
        Matcher m = Pattern.compile("ROOT/snapshots/(\\d+)/").matcher(s);
        Map<String, Integer> ids = new HashMap<>();
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            int n = ids.computeIfAbsent(m.group(1), k -> ids.size() + 1);
            m.appendReplacement(sb, "ROOT/snapshots/#" + n + "/");
        }
        m.appendTail(sb);
        return sb.toString();
    }

    @Test
    void ctrSnapshotRoundTripsBehaveLikeContainerdsOverlayfs() throws IOException {
        // containerd's startup collection marks, then sweeps whatever it did not see: a view made meanwhile (our
        // daemon answers its walk slowly while it warms up) was swept between view and label. Wait for it first.
        containerd.collectGarbage();
        String overlay = transcript("overlayfs", containerd.overlayRoot(), "ov-");
        // and for the collection the overlayfs transcript's removals scheduled: it swept our first view before its
        // label once (seen on a loaded machine)
        containerd.collectGarbage();
        String ours = transcript("stargz", stack.root.resolve("snapshotter"), "sz-");
        assertTrue(overlay.contains("lowerdir="), overlay);
        assertEquals(overlay, ours);
    }

    @Test
    void removedSnapshotsAreGarbageCollectedFromOurStore() throws Exception {
        containerd.ctr("snapshots", "--snapshotter", "stargz", "prepare", "gc-a");
        containerd.ctr("snapshots", "--snapshotter", "stargz", "commit", "gc-l1", "gc-a");
        assertTrue(backendNames().stream().anyMatch(n -> n.endsWith("/gc-l1")), backendNames().toString());
        containerd.ctr("snapshots", "--snapshotter", "stargz", "rm", "gc-l1");
        assertTrue(backendNames().stream().anyMatch(n -> n.endsWith("/gc-l1")), "only GC removes it from the backend");
        containerd.collectGarbage();
        assertTrue(backendNames().stream().noneMatch(n -> n.endsWith("/gc-l1")), backendNames().toString());
    }

    /** Snapshot names in our metadata.db, read by a second SQLite connection (WAL allows it while we run). */
    private List<String> backendNames() throws Exception {
        String url = "jdbc:sqlite:" + stack.root.resolve("snapshotter/metadata.db") + "?open_mode=1";
        try (var c = DriverManager.getConnection(url); var s = c.createStatement();
             var rs = s.executeQuery("SELECT name FROM snapshots")) {
            List<String> names = new java.util.ArrayList<>();
            while (rs.next()) {
                names.add(rs.getString(1));
            }
            return names;
        }
    }

    @Test
    void plainImagePullsThroughOurSnapshotterAndRunsThenSurvivesKill9() throws Exception {
        try (RegistryProcess registry = RegistryProcess.startPlain()) {
            String ref = BusyboxImage.push(registry.host(), "busybox:1");
            // rpull passes the stargz labels: a plain gzip layer is not eStargz: it falls back to a normal pull, counted
            containerd.ctr("images", "rpull", "--plain-http", "--snapshotter", "stargz", ref);
            Run hello = containerd.ctr("run", "--snapshotter", "stargz", "--rm", ref, "hello-1", "echo", "hello");
            assertEquals("hello\n", hello.output());
            assertTrue(metrics().contains("estargz_snapshotter_fallbacks_total{reason=\"not_estargz\"} 1.0"),
                    metrics());

            containerd.ctr("run", "-d", "--snapshotter", "stargz", ref, "long-1", "sleep", "600");
            try {
                String before = containerd.ctr("snapshots", "--snapshotter", "stargz", "ls").output();
                daemon.kill9();
                daemon = stack.startDaemon();
                // containerd reconnects to the restarted plugin within seconds; retry until it does (bounded)
                assertEquals(before, Run.retry(() -> containerd.ctrRaw("snapshots", "--snapshotter", "stargz", "ls"))
                        .output());
                Run mounts = Run.retry(() -> containerd.ctrRaw("snapshots", "--snapshotter", "stargz", "mounts", "/t",
                        "long-1"));
                assertTrue(mounts.output().contains("upperdir=" + stack.root.resolve("snapshotter/snapshots")),
                        mounts.output());
                Run exec = containerd.ctr("tasks", "exec", "--exec-id", "e1", "long-1", "cat", "/etc/hostname");
                assertEquals("estargz-busybox\n", exec.output());
                containerd.ctr("snapshots", "--snapshotter", "stargz", "prepare", "after-restart");
                containerd.ctr("snapshots", "--snapshotter", "stargz", "rm", "after-restart");
                assertEquals("hello\n", containerd.ctr("run", "--snapshotter", "stargz", "--rm", ref, "hello-2",
                        "echo", "hello").output());
            } finally {
                containerd.ctrRaw("tasks", "kill", "-s", "KILL", "long-1");
                Run.retry(() -> containerd.ctrRaw("tasks", "rm", "long-1"));
                containerd.ctrRaw("containers", "rm", "long-1");
            }
        }
    }

    private String metrics() throws IOException, InterruptedException {
        return Run.scrape(metricsPort);
    }
}
