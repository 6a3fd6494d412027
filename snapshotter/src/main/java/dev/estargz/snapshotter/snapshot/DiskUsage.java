package dev.estargz.snapshotter.snapshot;

import dev.estargz.snapshotter.model.StoreException;
import dev.estargz.snapshotter.model.Usage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Disk usage of a directory tree as containerd's continuity {@code fs.DiskUsage} counts it: allocated
 * blocks × 512 and distinct inodes, each hard-linked inode once. The JDK exposes no {@code st_blocks},
 * so this asks GNU {@code du}, which counts exactly that way.
 */
final class DiskUsage {
    private DiskUsage() {
    }

    static Usage of(Path dir) {
        return new Usage(du(dir, "-B1"), du(dir, "--inodes"));
    }

    private static long du(Path dir, String mode) {
        ProcessBuilder pb = new ProcessBuilder("du", "-s", mode, "--", dir.toString()).redirectErrorStream(true);
        try {
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(5, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new StoreException("du timed out", dir, null);
            }
            if (p.exitValue() != 0) {
                throw new StoreException("du failed: " + out, dir, null);
            }
            return Long.parseLong(out.split("\\s+")[0]);
        } catch (IOException | NumberFormatException e) {
            throw new StoreException("cannot measure disk usage", dir, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("interrupted measuring disk usage", dir, e);
        }
    }
}
