package dev.estargz.fusefs.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the system's own tools see in a tree: {@code stat -c} of every path (type and mode, owner, size, mtime,
 * links, device numbers; directory sizes left out, they are filesystem-specific) and {@code getfattr -d -m -} of
 * every path. Contents are compared file by file.
 */
public record TreeSnapshot(Path root, Map<String, String> stats, Map<String, String> xattrs) {

    public static TreeSnapshot of(Path root) throws IOException {
        Map<String, String> stats = new TreeMap<>();
        String out = Sh.run(root, "find", ".", "-exec", "stat", "-c", "%n|%f|%u|%g|%s|%Y|%h|%t|%T", "{}", "+");
        for (String line : out.split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            String[] f = line.split("\\|", -1);
            boolean dir = (Integer.parseInt(f[1], 16) & 0170000) == 0040000;
            stats.put(f[0], f[1] + " uid=" + f[2] + " gid=" + f[3] + " size=" + (dir ? "-" : f[4]) + " mtime=" + f[5]
                    + " nlink=" + f[6] + " dev=" + f[7] + ":" + f[8]);
        }
        Map<String, String> xattrs = new TreeMap<>();
        String dump = Sh.run(root, "getfattr", "-R", "-P", "-h", "-d", "-m", "-", "-e", "hex", ".");
        String file = null;
        List<String> attrs = new ArrayList<>();
        for (String line : (dump + "\n\n").split("\n", -1)) {
            if (line.startsWith("# file: ")) {
                file = line.substring(8);
                attrs.clear();
            } else if (line.isEmpty()) {
                if (file != null) {
                    xattrs.put(file, String.join(",", attrs));
                }
                file = null;
            } else {
                attrs.add(line);
            }
        }
        return new TreeSnapshot(root, stats, xattrs);
    }

    /** Asserts that {@code actual} shows the same tree, contents included. */
    public void assertSameAs(TreeSnapshot actual) throws IOException {
        assertTrue(stats.size() > 1, "empty tree at " + root);
        assertEquals(String.join("\n", lines(stats)), String.join("\n", lines(actual.stats)), "stat of " + root
                + " vs " + actual.root);
        assertEquals(xattrs, actual.xattrs, "xattrs of " + root + " vs " + actual.root);
        for (Map.Entry<String, String> e : stats.entrySet()) {
            if (e.getValue().startsWith("8")) { // regular file
                Path a = root.resolve(e.getKey());
                Path b = actual.root.resolve(e.getKey());
                assertEquals(-1L, Files.mismatch(a, b), "content of " + e.getKey());
            }
        }
    }

    private static List<String> lines(Map<String, String> m) {
        List<String> out = new ArrayList<>();
        m.forEach((k, v) -> out.add(k + " " + v));
        return out;
    }
}
