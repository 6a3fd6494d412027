package dev.estargz.fusefs.fuse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The kernel's mount table as {@code /proc/self/mountinfo} shows it. */
public final class MountTable {
    /** Filesystem type of our mounts ({@code -o subtype=estargz}). */
    public static final String FS_TYPE = "fuse.estargz";

    private MountTable() {
    }

    /**
     * One mount.
     *
     * @param source the mount source; ours is {@code estargz:<pid>} of the process serving it
     */
    public record Entry(Path mountPoint, String fsType, String source) {
        /** The serving process of one of our mounts, or -1. */
        public long servingPid() {
            if (!FS_TYPE.equals(fsType) || !source.startsWith("estargz:")) {
                return -1;
            }
            try {
                return Long.parseLong(source.substring("estargz:".length()));
            } catch (NumberFormatException e) {
                return -1;
            }
        }
    }

    /** Every mount, in mount order. */
    public static List<Entry> read() throws IOException {
        List<Entry> out = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String[] f = line.split(" ");
            int dash = -1;
            for (int i = 6; i < f.length; i++) {
                if (f[i].equals("-")) {
                    dash = i;
                    break;
                }
            }
            if (f.length < 5 || dash < 0 || dash + 2 >= f.length) {
                continue;
            }
            out.add(new Entry(Path.of(unescape(f[4])), f[dash + 1], unescape(f[dash + 2])));
        }
        return out;
    }

    /** True when something is mounted exactly at {@code dir}. */
    public static boolean isMountPoint(Path dir) throws IOException {
        Path abs = dir.toAbsolutePath().normalize();
        return read().stream().anyMatch(e -> e.mountPoint().equals(abs));
    }

    /** Our mounts whose serving process is gone (left by a crash or SIGKILL), at or below {@code under}. */
    public static List<Path> staleMounts(Path under) throws IOException {
        Path base = under.toAbsolutePath().normalize();
        List<Path> out = new ArrayList<>();
        for (Entry e : read()) {
            long pid = e.servingPid();
            if (pid > 0 && e.mountPoint().startsWith(base) && ProcessHandle.of(pid).map(p -> !p.isAlive())
                    .orElse(true)) {
                out.add(e.mountPoint());
            }
        }
        return out;
    }

    // mountinfo escapes space, tab, newline and backslash as \ooo.
    private static String unescape(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length()) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
