package dev.estargz.snapshotter.it;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.estargz.fusefs.fuse.MountTable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} of a daemon while its warm-up mount is up (FUSE in the daemon) ends the process every time, and the
 * next start clears what it left. A process killed while one of its own threads held a file open on a FUSE mount it
 * serves never exited: closing that file at exit waits for a flush no thread answers, and its socket stayed open, so
 * containerd's calls to it hung (found by {@link MirrorPullThroughIT}).
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class WarmUpKillIT {
    private static final long[] KILL_AFTER_MOUNT_MS = {0, 15, 40, 80, 150};

    @TempDir
    Path tmp;

    @Test
    void aDaemonKilledDuringItsWarmUpExitsAndTheNextStartClearsItsMount() throws Exception {
        Path root = tmp.resolve("root");
        Path config = tmp.resolve("config.toml");
        Files.writeString(config, "[fuse_manager]\nenable = false\n");
        Path warmUps = root.resolve("stargz").resolve("tmp");
        for (long delay : KILL_AFTER_MOUNT_MS) {
            DaemonProcess d = DaemonProcess.start(tmp.resolve("s.sock"), root, config, tmp.resolve("daemon.log"));
            awaitWarmUpMount(warmUps, d.pid());
            Thread.sleep(delay);
            ProcessHandle h = ProcessHandle.of(d.pid()).orElseThrow();
            d.kill9();
            h.onExit().get(20, TimeUnit.SECONDS); // throws TimeoutException when the process hangs in its exit
            assertFalse(h.isAlive());
        }
        // a last start clears the dead warm-up mounts and their directories, then warms up to the end
        Path log = tmp.resolve("daemon.log");
        // the log is shared by every start, and a killed daemon may have finished its warm-up before the kill
        long endsBefore = warmUpEnds(Files.readString(log));
        try (DaemonProcess d = DaemonProcess.start(tmp.resolve("s.sock"), root, config, log)) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (warmUpEnds(d.log()) == endsBefore) {
                assertTrue(System.nanoTime() < deadline, "no end of warm-up in:\n" + d.log());
                Thread.sleep(50);
            }
            assertTrue(MountTable.read().stream().noneMatch(e -> e.mountPoint().startsWith(warmUps)),
                    "a warm-up mount is left");
            // the live daemon's later warm-up steps (saved layers, snapshots) make directories of their own
            String ours = "warm-up-" + d.pid() + "-";
            try (Stream<Path> left = Files.list(warmUps)) {
                List<String> dead = left.map(p -> p.getFileName().toString())
                        .filter(n -> n.startsWith("warm-up-") && !n.startsWith(ours)).toList();
                assertTrue(dead.isEmpty(), "warm-up directories of killed daemons are left: " + dead);
            }
        }
    }

    private static long warmUpEnds(String log) {
        return log.split("\"warm-up took", -1).length - 1;
    }

    /** Waits for the warm-up mount of process {@code pid} (those of killed ones may still be listed). */
    private static void awaitWarmUpMount(Path warmUps, long pid) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (MountTable.read().stream().noneMatch(e -> e.mountPoint().startsWith(warmUps)
                && e.servingPid() == pid)) {
            assertTrue(System.nanoTime() < deadline, "the warm-up mount did not appear");
            Thread.sleep(2);
        }
    }
}
