package dev.estargz.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Real layers for tests, made by the scripts the demo uses and cached under {@link TestCache}: a busybox
 * rootfs (seconds) and a debootstrap'd Debian bookworm minbase rootfs (1-2 minutes, needs root and network).
 */
public final class TestLayers {
    /** Bump when the debootstrap recipe changes, so the cache makes a new layer. */
    public static final String DEBOOTSTRAP_VERSION = "debootstrap-bookworm-minbase-v1";

    private TestLayers() {
    }

    /** The busybox rootfs layer (tar+gzip), keyed by the busybox binary's digest. */
    public static Path busybox() throws IOException {
        String key = "busybox-" + dev.estargz.registry.Digest.sha256(Files.readAllBytes(Path.of("/bin/busybox")))
                .hex().substring(0, 12);
        return TestCache.file(key, "layer.tar.gz", target -> runScript("scripts/make-busybox-layer.sh", target,
                Duration.ofMinutes(2)));
    }

    /** The debootstrap minbase bookworm layer (tar+gzip). */
    public static Path debootstrap() throws IOException {
        return TestCache.file(DEBOOTSTRAP_VERSION, "layer.tar.gz", target -> runScript(
                "scripts/make-debootstrap-layer.sh", target, Duration.ofMinutes(15)));
    }

    /** Bump when {@link #smallFiles()} changes, so the cache makes a new layer. */
    public static final String SMALL_FILES_VERSION = "small-files-100k-v1";

    /**
     * A plain PAX tar of 100,000 small regular files (0-599 bytes, 100 directories of 1,000) with varied modes,
     * owners and mtimes, plus a symlink, a hardlink and a file with a {@code user.*} xattr every few hundred
     * files; generated deterministically in Java (a few seconds) and cached.
     */
    public static Path smallFiles() throws IOException {
        return TestCache.file(SMALL_FILES_VERSION, "layer.tar", SmallFilesTar::write);
    }

    private static void runScript(String script, Path target, Duration limit) throws IOException {
        Command.of(Checkout.resolve(script).toString(), target.toString()).timeout(limit).check();
        if (!Files.isRegularFile(target)) {
            throw new IOException(script + " did not write " + target);
        }
    }
}
