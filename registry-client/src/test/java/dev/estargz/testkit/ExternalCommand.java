package dev.estargz.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs a short-lived program for fixtures (openssl, go build) and fails loudly with its output. */
final class ExternalCommand {
    private ExternalCommand() {
    }

    static String run(Path dir, Map<String, String> env, String stdin, List<String> command) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        if (stdin != null) {
            p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(command + " did not finish in 120 s");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted running " + command, e);
        }
        if (p.exitValue() != 0) {
            throw new IOException(command + " failed with exit " + p.exitValue() + ":\n" + out);
        }
        return out;
    }

    static String run(Path dir, String... command) throws IOException {
        return run(dir, Map.of(), null, List.of(command));
    }
}
