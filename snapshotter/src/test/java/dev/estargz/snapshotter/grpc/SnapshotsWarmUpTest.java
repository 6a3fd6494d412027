package dev.estargz.snapshotter.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon's snapshot warm-up makes containerd's calls of a pull and a container start to the end (a call that
 * failed otherwise than the ALREADY_EXISTS of a remote layer's Prepare would stop it), checks its stand-in remote
 * layers as a real container's Prepare and Mounts do, and leaves no file behind.
 */
class SnapshotsWarmUpTest {
    @TempDir
    Path tmp;

    @Test
    void runsEveryCallAndChecksTheRemoteLayersAndLeavesNothing() throws IOException {
        AtomicInteger checks = new AtomicInteger();
        Path scratch = tmp.resolve("scratch");
        SnapshotsWarmUp.runOrThrow(scratch, checks::incrementAndGet);
        // per round: the container's Prepare and two Mounts, each checking both layers
        assertTrue(checks.get() >= 60 * 3 * 2, "checks made: " + checks.get());
        try (Stream<Path> left = Files.list(scratch)) {
            assertEquals(List.of(), left.toList());
        }
    }

    @Test
    void removesTheScratchOfAWarmUpWhoseProcessIsGone() throws IOException {
        Path scratch = tmp.resolve("scratch");
        Path dead = Files.createDirectories(scratch.resolve("snapshots-warm-up-" + Integer.MAX_VALUE + "-1"));
        Files.writeString(dead.resolve("metadata.db"), "left by a killed daemon");
        Path live = Files.createDirectories(scratch.resolve("snapshots-warm-up-" + ProcessHandle.current().pid()
                + "-2"));
        SnapshotsWarmUp.runOrThrow(scratch, () -> { });
        try (Stream<Path> left = Files.list(scratch)) {
            assertEquals(List.of(live), left.toList());
        }
    }

    @Test
    void aFailingCheckStopsItWithTheReason() {
        IOException e = assertThrows(IOException.class, () -> SnapshotsWarmUp.runOrThrow(tmp.resolve("s"), () -> {
            throw new IOException("no fuse manager");
        }));
        assertTrue(e.getMessage().contains("UNAVAILABLE"), e.getMessage());
    }
}
