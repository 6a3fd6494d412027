package dev.estargz.snapshotter.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.estargz.snapshotter.model.Kind;
import dev.estargz.snapshotter.model.Mount;
import dev.estargz.snapshotter.model.SnapshotInfo;
import dev.estargz.snapshotter.remote.NoRemoteLayers;
import dev.estargz.snapshotter.snapshot.OverlaySnapshotter;
import dev.estargz.snapshotter.snapshot.RemoteSnapshotEvents;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SIGKILL at random points of a prepare/commit loop never loses or corrupts a committed snapshot. */
class StoreCrashIT {
    @TempDir
    Path root;

    @Test
    void everyCommittedSnapshotSurvivesKill9AtRandomPoints() throws Exception {
        Random random = new Random(42);
        List<String> committed = new ArrayList<>();
        String parent = "";
        for (int round = 0; round < 5; round++) {
            Path out = root.resolveSibling(root.getFileName() + "-out-" + round);
            List<String> argv = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), CrashLoop.class.getName(), root.toString(), "r" + round));
            if (!parent.isEmpty()) {
                argv.add(parent);
            }
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            // let it commit a few, then kill it somewhere inside an operation
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (Files.readAllLines(out).stream().filter(l -> l.startsWith("committed ")).count() < 3
                    && p.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            Thread.sleep(random.nextInt(300));
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
            List<String> lines = Files.readAllLines(out);
            Files.delete(out);
            assertFalse(lines.isEmpty(), "child printed nothing");
            for (String l : lines) {
                assertTrue(l.startsWith("committed "), "child failed: " + lines);
                committed.add(l.substring("committed ".length()));
            }

            try (OverlaySnapshotter sn = OverlaySnapshotter.open(root, new NoRemoteLayers(), RemoteSnapshotEvents.NONE)) {
                for (String name : committed) {
                    SnapshotInfo info = sn.stat(name);
                    assertEquals(Kind.COMMITTED, info.kind(), name);
                    assertEquals(Map.of("content", name), info.labels(), name);
                }
                // the newest committed layer's file is intact, and a container on it gets every layer
                String newest = committed.get(committed.size() - 1);
                List<Mount> m = sn.view("check-" + round, newest, Map.of());
                String lower = m.get(0).type().equals("bind") ? m.get(0).source()
                        : m.get(0).options().stream().filter(o -> o.startsWith("lowerdir=")).findFirst().orElseThrow()
                        .substring("lowerdir=".length());
                List<String> layers = List.of(lower.split(":"));
                assertEquals(committed.size(), layers.size());
                for (int i = 0; i < layers.size(); i++) {
                    assertEquals(committed.get(committed.size() - 1 - i),
                            Files.readString(Path.of(layers.get(i)).resolve("f")));
                }
                sn.remove("check-" + round);
                // an active snapshot interrupted by the kill is still there or cleanly absent; either way new work goes on
                for (SnapshotInfo s : sn.list(List.of("kind==active"))) {
                    sn.remove(s.name());
                }
                sn.cleanup();
            }
            parent = committed.get(committed.size() - 1);
        }
    }
}
