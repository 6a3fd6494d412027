package dev.estargz.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

/**
 * A layer tar unpacked by GNU tar as root would ({@code tar -x --xattrs --xattrs-include='*' --numeric-owner}:
 * owners, modes, devices and xattrs kept), and the paths the archive itself names, so that directories tar made
 * up for missing parents can be told apart.
 *
 * @param root     where it was unpacked
 * @param inTar    the archive's paths as {@link StatTree} lists them: {@code .} and {@code ./a/b}
 */
public record UnpackedTar(Path root, Set<String> inTar) {

    /** Unpacks {@code tar} (plain or gzip) into the new directory {@code dir}. */
    public static UnpackedTar of(Path tar, Path dir) throws IOException {
        Files.createDirectories(dir);
        // --delay-directory-restore: a directory's time is the one its entry gives even when a later entry
        // (out of order, as in the synthetic tar) adds to it; a layer mount shows the entry's time.
        Command.of("tar", "-x", "--xattrs", "--xattrs-include=*", "--numeric-owner", "--delay-directory-restore",
                "-C", dir.toString(), "-f", tar.toString()).timeout(Duration.ofMinutes(10)).check();
        Set<String> names = new HashSet<>();
        for (String line : Command.of("tar", "-t", "-f", tar.toString()).timeout(Duration.ofMinutes(10)).check()
                .lines()) {
            String clean = TreeListing.clean(line);
            names.add(clean.isEmpty() ? "." : "./" + clean);
        }
        return new UnpackedTar(dir, Set.copyOf(names));
    }

    /** The unpacked tree as the tools see it, with the mtime of directories tar made up left out. */
    public StatTree listing() throws IOException {
        return sameRules(StatTree.of(root));
    }

    /** Another tree (a mount of the same layer) listed with the rules of {@link #listing()}. */
    public StatTree sameRules(StatTree other) {
        return other.withoutMtimeOf(p -> !inTar.contains(p));
    }
}
