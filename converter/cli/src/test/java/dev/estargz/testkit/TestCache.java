package dev.estargz.testkit;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Fixtures that are slow to make (Go binaries, debootstrap layers) live outside the checkout, under
 * {@code ~/.cache/estargz-test} (or {@code $ESTARGZ_TEST_CACHE}), keyed by a version string so that a change
 * of recipe makes a new entry instead of reusing a stale one.
 */
public final class TestCache {
    private TestCache() {
    }

    /** The cache root, created if missing. */
    public static Path root() throws IOException {
        String override = System.getenv("ESTARGZ_TEST_CACHE");
        Path root = override != null && !override.isEmpty() ? Path.of(override)
                : Path.of(System.getProperty("user.home"), ".cache", "estargz-test");
        return Files.createDirectories(root);
    }

    /** Produces a cached file once; {@code maker} writes into a temporary path that is renamed into place. */
    public interface Maker {
        void make(Path target) throws IOException;
    }

    /** The cached file {@code key/name}, made by {@code maker} when absent. */
    public static Path file(String key, String name, Maker maker) throws IOException {
        Path dir = Files.createDirectories(root().resolve(key));
        Path target = dir.resolve(name);
        if (Files.exists(target)) {
            return target;
        }
        Path tmp = dir.resolve(name + ".tmp-" + ProcessHandle.current().pid());
        try {
            maker.make(tmp);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
        return target;
    }
}
