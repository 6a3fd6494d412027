package dev.estargz.fusefs.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a command, failing with its output when it exits non-zero or overruns its time. */
public final class Sh {
    private Sh() {
    }

    public static String run(Path dir, String... argv) throws IOException {
        return run(dir, 600, argv);
    }

    public static String run(Path dir, int timeoutSeconds, String... argv) throws IOException {
        Path out = Files.createTempFile("sh-out", ".txt");
        Path err = Files.createTempFile("sh-err", ".txt");
        try {
            Process p = new ProcessBuilder(argv).directory(dir == null ? null : dir.toFile())
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(List.of(argv) + " did not finish within " + timeoutSeconds + " s");
            }
            String stdout = Files.readString(out);
            if (p.exitValue() != 0) {
                throw new IOException(List.of(argv) + " exited with " + p.exitValue() + ": " + Files.readString(err));
            }
            return stdout;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** The script from test resources, as a runnable file. */
    public static Path script(String name) throws IOException {
        Path p = Files.createTempFile(name, ".sh");
        try (var in = Sh.class.getResourceAsStream(name)) {
            Files.write(p, in.readAllBytes());
        }
        p.toFile().setExecutable(true);
        return p;
    }
}
