package dev.estargz.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Where benchmarks find their input tar and write their output (tmpfs when present, so disks do not count). */
final class BenchFiles {
    /** System property naming the uncompressed layer tar to convert. */
    static final String TAR_PROPERTY = "estargz.bench.tar";

    private BenchFiles() {
    }

    static Path inputTar() {
        String p = System.getProperty(TAR_PROPERTY);
        if (p == null || !Files.isRegularFile(Path.of(p))) {
            throw new IllegalStateException("-D" + TAR_PROPERTY + " must name the layer tar (use bench/run-convert-bench.sh)");
        }
        return Path.of(p);
    }

    static Path outputDir() throws IOException {
        Path shm = Path.of("/dev/shm");
        return Files.isDirectory(shm) && Files.isWritable(shm) ? Files.createTempDirectory(shm, "estargz-bench")
                : Files.createTempDirectory("estargz-bench");
    }

    static void delete(Path dir) throws IOException {
        if (dir == null) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
