package dev.estargz.snapshotter.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The fuse manager a test's daemon started (detached, so the test does not own it as a child): found through the
 * pid in the lock file next to its socket, stopped with SIGTERM (its clean path, which unmounts everything) or
 * killed with SIGKILL. Dead managers may linger as zombies (pid 1 here does not reap), so "gone" means no
 * {@code /proc/<pid>} or state Z.
 */
final class FuseManagerProcess {
    private FuseManagerProcess() {
    }

    /** The pid written by the manager serving {@code address}, or -1. */
    static long pid(Path address) throws IOException {
        try {
            String s = Files.readString(address.resolveSibling(address.getFileName() + ".lock")).trim();
            return s.isEmpty() ? -1 : Long.parseLong(s);
        } catch (NoSuchFileException e) {
            return -1;
        }
    }

    static boolean alive(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state != 'Z' && state != 'X';
        } catch (IOException e) {
            return false;
        }
    }

    /** SIGKILL, as in a crash or OOM kill of the manager; waits until it is gone. */
    static void kill9(long pid) {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        awaitGone(pid, 10);
    }

    /**
     * Stops the manager serving {@code address} (SIGTERM, SIGKILL after 15 s) and lazily unmounts any of our FUSE
     * mounts left under {@code root}, so no test leaves a process or a mount behind.
     */
    static void stop(Path address, Path root) throws IOException {
        long pid = pid(address);
        if (pid > 0 && alive(pid)) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy);
            if (!awaitGone(pid, 15)) {
                kill9(pid);
            }
        }
        String base = root.toAbsolutePath().normalize() + "/";
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String[] f = line.split(" ");
            if (f.length > 4 && f[4].startsWith(base) && line.contains(" fuse.estargz ")) {
                Run.of(List.of("fusermount", "-u", "-z", f[4]));
            }
        }
    }

    private static boolean awaitGone(long pid, int seconds) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (alive(pid)) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            DaemonProcess.sleep(50);
        }
        return true;
    }
}
