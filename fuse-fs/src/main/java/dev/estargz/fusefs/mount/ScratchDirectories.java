package dev.estargz.fusefs.mount;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scratch directories named by the process that made them ({@code <prefix><pid>-<random>}), so that a later start
 * finds and removes those of processes killed before they could clean up (the warm-ups').
 */
public final class ScratchDirectories {
    private static final Logger LOG = LoggerFactory.getLogger(ScratchDirectories.class);

    private ScratchDirectories() {
    }

    /** A new directory {@code <prefix><this pid>-<random>} in {@code parent}, created with its parents. */
    public static Path create(Path parent, String prefix) throws IOException {
        Files.createDirectories(parent);
        return Files.createTempDirectory(parent, prefix + ProcessHandle.current().pid() + "-");
    }

    /**
     * The directories {@code <prefix><pid>-*} in {@code parent} whose process is gone; one not named by a pid (an
     * older release's {@code <prefix><random>}) counts as gone too.
     */
    public static List<Path> ofDeadProcesses(Path parent, String prefix) throws IOException {
        List<Path> dead = new ArrayList<>();
        if (!Files.isDirectory(parent)) {
            return dead;
        }
        try (Stream<Path> dirs = Files.list(parent)) {
            for (Path d : dirs.toList()) {
                String name = d.getFileName().toString();
                if (!name.startsWith(prefix) || !Files.isDirectory(d)) {
                    continue;
                }
                String pid = name.substring(prefix.length()).split("-", 2)[0];
                boolean alive;
                try {
                    alive = ProcessHandle.of(Long.parseLong(pid)).map(ProcessHandle::isAlive).orElse(false);
                } catch (NumberFormatException e) {
                    alive = false;
                }
                if (!alive) {
                    dead.add(d);
                }
            }
        }
        return dead;
    }

    /** Deletes {@code dir} and everything under it, as far as it can; never throws. */
    public static void delete(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            LOG.debug("removing {}: {}", dir, e.toString());
        }
    }
}
