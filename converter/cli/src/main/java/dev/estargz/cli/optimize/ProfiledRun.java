package dev.estargz.cli.optimize;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Runs a workload in a runc container on a prepared root filesystem for a bounded time, as the reference's
 * {@code optimize} runs the image in a temporary container: the runtime spec is {@code runc spec}'s default (own
 * namespaces, no network but loopback) with the workload's arguments, environment, directory and user. Output
 * goes to this process's stderr. runc keeps its state under a private root, never the system's.
 */
public final class ProfiledRun {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** How the run ended: it exited (with its code), printed the awaited line, or was stopped at the period. */
    public record Outcome(boolean exited, int exitCode, boolean lineSeen, Duration took) {
    }

    private ProfiledRun() {
    }

    /**
     * Runs {@code workload} on {@code rootfs} until it exits, prints a line containing {@code waitLine} on stdout
     * (when not null), or {@code period} passes; then it is killed.
     */
    public static Outcome run(Workload workload, Path rootfs, Path work, Duration period, String waitLine)
            throws IOException {
        Path bundle = Files.createDirectories(work.resolve("bundle"));
        Path state = Files.createDirectories(work.resolve("runc"));
        Commands.run("runc", "spec", "--bundle", bundle.toString());
        Path configFile = bundle.resolve("config.json");
        ObjectNode config = (ObjectNode) JSON.readTree(configFile.toFile());
        ObjectNode process = (ObjectNode) config.get("process");
        process.put("terminal", false);
        ArrayNode args = process.putArray("args");
        workload.args().forEach(args::add);
        ArrayNode env = process.putArray("env");
        workload.env().forEach(env::add);
        process.put("cwd", workload.cwd());
        ObjectNode user = process.putObject("user");
        user.put("uid", workload.uid()).put("gid", workload.gid());
        config.putObject("root").put("path", rootfs.toAbsolutePath().toString()).put("readonly", false);
        config.put("hostname", "estargz-optimize");
        JSON.writerWithDefaultPrettyPrinter().writeValue(configFile.toFile(), config);

        String id = "estargz-optimize-" + ProcessHandle.current().pid();
        File stderr = new File("/dev/stderr");
        Process p = new ProcessBuilder("runc", "--root", state.toString(), "run", "--bundle", bundle.toString(), id)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(waitLine == null ? ProcessBuilder.Redirect.appendTo(stderr)
                        : ProcessBuilder.Redirect.PIPE)
                .redirectError(ProcessBuilder.Redirect.appendTo(stderr)).start();
        CountDownLatch seen = new CountDownLatch(1);
        if (waitLine != null) {
            watch(p, waitLine, seen);
        }
        long t0 = System.nanoTime();
        long deadline = t0 + period.toNanos();
        try {
            boolean exited = false;
            while (!exited && seen.getCount() > 0 && System.nanoTime() < deadline) {
                exited = p.waitFor(Math.min(100, Math.max(1, (deadline - System.nanoTime()) / 1_000_000)),
                        TimeUnit.MILLISECONDS);
            }
            boolean lineSeen = !exited && seen.getCount() == 0;
            if (!exited) {
                kill(state, id);
                if (!p.waitFor(30, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            }
            Duration took = Duration.ofNanos(System.nanoTime() - t0);
            return new Outcome(exited, exited ? p.exitValue() : -1, lineSeen, took);
        } catch (InterruptedException e) {
            kill(state, id);
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while profiling", e);
        } finally {
            try {
                Commands.run("runc", "--root", state.toString(), "delete", "--force", id);
            } catch (IOException e) {
                // already gone (it exited and runc removed it), or never created
            }
        }
    }

    /** Copies the workload's stdout to our stderr, counting {@code seen} down at the first line with the text. */
    private static void watch(Process p, String waitLine, CountDownLatch seen) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    System.err.println(line);
                    if (line.contains(waitLine)) {
                        seen.countDown();
                    }
                }
            } catch (IOException e) {
                // the workload is gone
            }
        }, "estargz-optimize-stdout");
        t.setDaemon(true);
        t.start();
    }

    private static void kill(Path state, String id) {
        try {
            Commands.run("runc", "--root", state.toString(), "kill", "--all", id, "KILL");
        } catch (IOException e) {
            // it exited meanwhile
        }
    }
}
