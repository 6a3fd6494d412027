package dev.estargz.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** An external program run by a test: argv, directory, extra environment and a hard time limit. */
public final class Command {
    private final List<String> argv;
    private Path dir;
    private final Map<String, String> env = new LinkedHashMap<>();
    private Duration timeout = Duration.ofMinutes(5);

    private Command(List<String> argv) {
        this.argv = List.copyOf(argv);
    }

    /** A command with these arguments; nothing runs until {@link #run()}. */
    public static Command of(String... argv) {
        return new Command(List.of(argv));
    }

    /** A command with these arguments; nothing runs until {@link #run()}. */
    public static Command of(List<String> argv) {
        return new Command(argv);
    }

    public Command in(Path directory) {
        this.dir = directory;
        return this;
    }

    public Command env(String name, String value) {
        env.put(name, value);
        return this;
    }

    public Command timeout(Duration limit) {
        this.timeout = limit;
        return this;
    }

    /** What a finished command produced. */
    public record Result(List<String> argv, int exitCode, String stdout, String stderr) {
        /** Returns this result, or throws naming the command and its stderr when it failed. */
        public Result check() {
            if (exitCode != 0) {
                throw new IllegalStateException(String.join(" ", argv) + " exited with " + exitCode
                        + ":\n" + tail(stderr) + tail(stdout));
            }
            return this;
        }

        /** Non-empty stdout lines. */
        public List<String> lines() {
            List<String> out = new ArrayList<>();
            for (String l : stdout.split("\n")) {
                if (!l.isEmpty()) {
                    out.add(l);
                }
            }
            return out;
        }

        private static String tail(String s) {
            return s.length() <= 4000 ? s : "…" + s.substring(s.length() - 4000);
        }
    }

    /** Runs to completion (output goes through files, so large outputs cannot block the child). */
    public Result run() throws IOException {
        Path out = Files.createTempFile("cmd-out", ".txt");
        Path err = Files.createTempFile("cmd-err", ".txt");
        try {
            ProcessBuilder pb = new ProcessBuilder(argv).redirectOutput(out.toFile()).redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
            if (dir != null) {
                pb.directory(dir.toFile());
            }
            pb.environment().putAll(env);
            Process p = pb.start();
            try {
                if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly();
                    throw new IOException(String.join(" ", argv) + " did not finish within " + timeout);
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while running " + argv, e);
            }
            return new Result(argv, p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** Runs and throws unless the exit code is 0. */
    public Result check() throws IOException {
        return run().check();
    }
}
