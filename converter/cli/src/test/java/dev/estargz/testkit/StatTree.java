package dev.estargz.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * A directory tree as the system's own tools see it, so that a FUSE mount is judged by {@code stat},
 * {@code readlink}, {@code getfattr} and {@code sha256sum} rather than by our code: one line per path from
 * {@code stat -c '%n %F %a %u %g %s %Y %h %t %T'} (plus the link target), and one {@code getfattr -d -m - -e hex}
 * dump per path.
 *
 * <p>Differences a layer may legitimately show against the tree {@code tar -x} unpacks are normalised here, never
 * silently: directory sizes (filesystem-specific) are left out; mtimes are rounded to whole seconds as eStargz
 * stores them (RFC 3339 seconds, Go's {@code Round(time.Second)}); {@link #withoutMtimeOf} drops the mtime of
 * directories that tar creates itself; {@link #asLayerMountShowsIt} applies the overlayfs whiteout conventions.
 *
 * @param root   where the tree was listed
 * @param stats  path ({@code .} for the root, {@code ./a/b} below) → what stat and readlink report
 * @param xattrs path as getfattr prints it → its attributes, hex-encoded, one per line
 */
public record StatTree(Path root, SortedMap<String, String> stats, SortedMap<String, String> xattrs) {
    private static final String REGULAR = "regular file";
    private static final String EMPTY_REGULAR = "regular empty file";
    private static final String DIRECTORY = "directory";
    private static final Duration LIMIT = Duration.ofMinutes(5);

    /** Lists every path under {@code root} (the root included). */
    public static StatTree of(Path root) throws IOException {
        SortedMap<String, String> stats = new TreeMap<>();
        // Fields are tab-separated: %F ("regular empty file") holds spaces. %.9Y keeps sub-second mtimes, which
        // the rounding below needs.
        String out = sh(root, "find . -exec stat --printf '%n\\t%F\\t%a\\t%u\\t%g\\t%s\\t%.9Y\\t%h\\t%t\\t%T\\n' {} +");
        for (String line : out.split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            String[] f = line.split("\t", -1);
            if (f.length != 10) {
                throw new IllegalStateException("unexpected stat line under " + root + ": " + line);
            }
            boolean dir = f[1].equals(DIRECTORY);
            String rest = String.join(" ", f[1], f[2], "uid=" + f[3], "gid=" + f[4],
                    "size=" + (dir ? "-" : f[5]), "mtime=" + roundedSeconds(f[6]), "nlink=" + f[7],
                    "dev=" + f[8] + ":" + f[9]);
            stats.put(f[0], rest);
        }
        List<String> links = new ArrayList<>();
        stats.forEach((p, v) -> {
            if (v.startsWith("symbolic link ")) {
                links.add(p);
            }
        });
        if (!links.isEmpty()) {
            // readlink prints the targets in argument order, one line each.
            String[] targets = xargs(root, links, "readlink --").split("\n", -1);
            for (int i = 0; i < links.size(); i++) {
                stats.put(links.get(i), stats.get(links.get(i)) + " -> " + targets[i]);
            }
        }
        return new StatTree(root, stats, xattrsOf(root));
    }

    private static SortedMap<String, String> xattrsOf(Path root) throws IOException {
        SortedMap<String, String> xattrs = new TreeMap<>();
        String dump = sh(root, "getfattr -R -P -h -d -m - -e hex .");
        String file = null;
        List<String> attrs = new ArrayList<>();
        for (String line : (dump + "\n\n").split("\n", -1)) {
            if (line.startsWith("# file: ")) {
                file = line.substring("# file: ".length());
                attrs.clear();
            } else if (line.isEmpty()) {
                if (file != null) {
                    xattrs.put(file, String.join("\n", attrs));
                }
                file = null;
            } else {
                attrs.add(line);
            }
        }
        return xattrs;
    }

    /** Half-up to whole seconds, as the eStargz writers (Go {@code Round(time.Second)}) store mtimes. */
    static long roundedSeconds(String secondsDotNanos) {
        int dot = secondsDotNanos.indexOf('.');
        long seconds = Long.parseLong(dot < 0 ? secondsDotNanos : secondsDotNanos.substring(0, dot));
        int nanos = dot < 0 ? 0 : Integer.parseInt(secondsDotNanos.substring(dot + 1));
        return seconds + (nanos >= 500_000_000 ? 1 : 0);
    }

    /**
     * This tree with the mtime of the given directories left out: tar creates parents missing from the archive
     * (and keeps the target directory's own time) with the time of extraction.
     */
    public StatTree withoutMtimeOf(Predicate<String> path) {
        SortedMap<String, String> m = new TreeMap<>(stats);
        m.replaceAll((p, v) -> path.test(p) && v.startsWith(DIRECTORY) ? v.replaceFirst(" mtime=\\d+ ", " mtime=- ")
                : v);
        return new StatTree(root, m, xattrs);
    }

    /**
     * The tree a layer mount shows for this unpacked layer, by overlayfs's conventions: {@code .wh.NAME} shows as
     * a character device 0:0 named NAME (mode 0, owner root, the whiteout's mtime), and {@code .wh..wh..opq}
     * is hidden while its directory gets {@code trusted.overlay.opaque=y}.
     */
    public StatTree asLayerMountShowsIt() {
        SortedMap<String, String> s = new TreeMap<>();
        SortedMap<String, String> x = new TreeMap<>(xattrs);
        for (Map.Entry<String, String> e : stats.entrySet()) {
            String p = e.getKey();
            int slash = p.lastIndexOf('/');
            if (slash < 0) { // the root
                s.put(p, e.getValue());
                continue;
            }
            String dir = p.substring(0, slash);
            String base = p.substring(slash + 1);
            if (base.equals(".wh..wh..opq")) {
                String key = dir.equals(".") ? "." : dir.substring(2);
                x.merge(key, "trusted.overlay.opaque=0x79", (a, b) -> a.isEmpty() ? b : String.join("\n",
                        new TreeSet<>(List.of((a + "\n" + b).split("\n")))));
                continue;
            }
            if (base.startsWith(".wh.")) {
                String mtime = e.getValue().replaceAll(".* (mtime=\\d+) .*", "$1");
                s.put(dir + "/" + base.substring(4), "character special file 0 uid=0 gid=0 size=0 " + mtime
                        + " nlink=1 dev=0:0");
                x.remove(p.substring(2));
                continue;
            }
            s.put(p, e.getValue());
        }
        return new StatTree(root, s, x);
    }

    /** This tree without the given paths (as listed: {@code ./name}). */
    public StatTree without(Set<String> paths) {
        SortedMap<String, String> s = new TreeMap<>(stats);
        s.keySet().removeAll(paths);
        SortedMap<String, String> x = new TreeMap<>(xattrs);
        paths.forEach(p -> x.remove(p.startsWith("./") ? p.substring(2) : p));
        return new StatTree(root, s, x);
    }

    /** Throws an AssertionError naming the differences (at most 20) unless {@code actual} lists the same. */
    public void assertSameAs(StatTree actual, String what) {
        List<String> diffs = new ArrayList<>();
        diff(stats, actual.stats, "stat", diffs);
        diff(xattrs, actual.xattrs, "xattrs", diffs);
        if (stats.size() < 2) {
            diffs.add("the expected tree at " + root + " is empty");
        }
        if (!diffs.isEmpty()) {
            throw new AssertionError(what + ": " + diffs.size() + " differences between " + root + " and "
                    + actual.root + " (" + stats.size() + " paths):\n  "
                    + String.join("\n  ", diffs.subList(0, Math.min(20, diffs.size()))));
        }
    }

    private static void diff(Map<String, String> expected, Map<String, String> actual, String what,
            List<String> diffs) {
        for (Map.Entry<String, String> e : expected.entrySet()) {
            String got = actual.get(e.getKey());
            if (got == null) {
                diffs.add(what + " missing " + e.getKey() + " " + e.getValue());
            } else if (!got.equals(e.getValue())) {
                diffs.add(what + " of " + e.getKey() + ": expected " + e.getValue().replace('\n', ',') + "\n      got "
                        + got.replace('\n', ','));
            }
        }
        for (Map.Entry<String, String> e : actual.entrySet()) {
            if (!expected.containsKey(e.getKey())) {
                diffs.add(what + " unexpected " + e.getKey() + " " + e.getValue());
            }
        }
    }

    /** Regular files of this tree (as listed: {@code ./name}). */
    public List<String> regularFiles() {
        List<String> out = new ArrayList<>();
        stats.forEach((p, v) -> {
            if (v.startsWith(REGULAR + " ") || v.startsWith(EMPTY_REGULAR + " ")) {
                out.add(p);
            }
        });
        return out;
    }

    /**
     * Asserts that {@code sha256sum}, run in both trees, reads the same bytes for each of {@code files}; returns
     * how many files it compared.
     */
    public int assertSameContents(StatTree actual, List<String> files) throws IOException {
        Map<String, String> mine = sha256sums(root, files);
        Map<String, String> theirs = sha256sums(actual.root, files);
        List<String> diffs = new ArrayList<>();
        for (String f : files) {
            if (!mine.get(f).equals(theirs.get(f))) {
                diffs.add(f + ": " + mine.get(f) + " vs " + theirs.get(f));
            }
        }
        if (!diffs.isEmpty()) {
            throw new AssertionError(diffs.size() + " files differ between " + root + " and " + actual.root
                    + ":\n  " + String.join("\n  ", diffs.subList(0, Math.min(20, diffs.size()))));
        }
        return files.size();
    }

    private static Map<String, String> sha256sums(Path root, List<String> files) throws IOException {
        Map<String, String> out = new TreeMap<>();
        for (String line : xargs(root, files, "sha256sum --").split("\n")) {
            if (!line.isEmpty()) {
                out.put(line.substring(66), line.substring(0, 64));
            }
        }
        if (out.size() != files.size()) {
            throw new IllegalStateException("sha256sum under " + root + " listed " + out.size() + " of "
                    + files.size() + " files");
        }
        return out;
    }

    /** Runs {@code command} in {@code dir} on all of {@code paths} (in batches, in order) through xargs. */
    private static String xargs(Path dir, List<String> paths, String command) throws IOException {
        Path list = Files.createTempFile("paths", ".txt");
        try {
            Files.write(list, paths, StandardCharsets.UTF_8);
            return sh(dir, "xargs -d '\\n' -a " + list + " " + command);
        } finally {
            Files.deleteIfExists(list);
        }
    }

    /** The paths, sorted as {@code find | sort} would with LC_ALL=C. */
    public List<String> paths() {
        return new ArrayList<>(stats.keySet());
    }

    private static String sh(Path dir, String script) throws IOException {
        return Command.of("sh", "-c", script).in(dir).env("LC_ALL", "C").timeout(LIMIT).check().stdout();
    }

    @Override
    public String toString() {
        return "StatTree(" + root + ", " + stats.size() + " paths)";
    }
}
