package dev.estargz.cli.optimize;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.File;
import java.io.RandomAccessFile;
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

    /**
     * How the run ended: it exited, printed the awaited line, or was stopped at the period. (Its exit code is not
     * known: after {@code runc create} the workload is not our child.)
     */
    public record Outcome(boolean exited, boolean lineSeen, Duration took) {
    }

    private ProfiledRun() {
    }

    /**
     * Runs {@code workload} on {@code rootfs} until it exits, prints a line containing {@code waitLine} on stdout
     * (when not null), or {@code period} passes; then it is killed. {@code onStart} runs once the container is
     * created, right before its process starts.
     */
    public static Outcome run(Workload workload, Path rootfs, Path work, Duration period, String waitLine,
            Runnable onStart) throws IOException {
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
        String root = state.toString();
        File stderr = new File("/dev/stderr");
        // create, then start: runc reads the image's /etc/passwd and /etc/group while it creates the container,
        // and those opens are runc's, not the workload's, so recording starts only between the two steps.
        // With --wait-on-line the workload's stdout goes to a file that is followed: a pipe would not do, because
        // the JDK closes its end of a child's pipe once the child (runc create) exits, while the container writes on.
        Path out = work.resolve("workload.out");
        Process create = new ProcessBuilder("runc", "--root", root, "create", "--bundle", bundle.toString(), id)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(waitLine == null ? stderr : out.toFile()))
                .redirectError(ProcessBuilder.Redirect.appendTo(stderr)).start();
        CountDownLatch seen = new CountDownLatch(1);
        Thread follower = waitLine == null ? null : follow(out, waitLine, seen);
        try {
            if (!create.waitFor(60, TimeUnit.SECONDS)) {
                create.destroyForcibly();
                throw new IOException("runc create did not finish in 60 s");
            }
            if (create.exitValue() != 0) {
                throw new IOException("runc could not create the container (exit " + create.exitValue()
                        + "; its message is above): check --entrypoint/--args, --cwd and --user");
            }
            onStart.run();
            long t0 = System.nanoTime();
            long deadline = t0 + period.toNanos();
            Commands.run("runc", "--root", root, "start", id);
            boolean exited = false;
            while (!exited && seen.getCount() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(Math.min(100, Math.max(1, (deadline - System.nanoTime()) / 1_000_000)));
                exited = stopped(root, id);
            }
            boolean lineSeen = !exited && seen.getCount() == 0;
            if (!exited) {
                kill(root, id);
            }
            return new Outcome(exited, lineSeen, Duration.ofNanos(System.nanoTime() - t0));
        } catch (InterruptedException e) {
            kill(root, id);
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while profiling", e);
        } finally {
            try {
                Commands.run("runc", "--root", root, "delete", "--force", id);
            } catch (IOException e) {
                // never created
            }
            if (follower != null) {
                follower.interrupt();
            }
        }
    }

    /** True once the container's process has ended (runc reports the container as stopped). */
    private static boolean stopped(String root, String id) throws IOException {
        String json = Commands.run("runc", "--root", root, "state", id);
        return "stopped".equals(JSON.readTree(json).path("status").asText());
    }

    /**
     * Follows the workload's stdout file: copies new lines to our stderr and counts {@code seen} down at the first
     * line with the text. Runs until interrupted.
     */
    private static Thread follow(Path file, String waitLine, CountDownLatch seen) {
        Thread t = new Thread(() -> {
            StringBuilder partial = new StringBuilder();
            long pos = 0;
            byte[] buf = new byte[8192];
            try {
                while (!Thread.currentThread().isInterrupted()) {
                    int n = 0;
                    if (Files.exists(file)) {
                        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
                            f.seek(pos);
                            n = f.read(buf);
                        }
                    }
                    if (n <= 0) {
                        Thread.sleep(50);
                        continue;
                    }
                    pos += n;
                    partial.append(new String(buf, 0, n, StandardCharsets.UTF_8));
                    for (int nl; (nl = partial.indexOf("\n")) >= 0; partial.delete(0, nl + 1)) {
                        String line = partial.substring(0, nl);
                        System.err.println(line);
                        if (line.contains(waitLine)) {
                            seen.countDown();
                        }
                    }
                }
            } catch (IOException e) {
                System.err.println("estargz optimize: cannot follow the workload's output: " + e.getMessage());
            } catch (InterruptedException e) {
                // done
            }
        }, "estargz-optimize-stdout");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static void kill(String root, String id) {
        try {
            Commands.run("runc", "--root", root, "kill", "--all", id, "KILL");
        } catch (IOException e) {
            // it exited meanwhile
        }
    }
}
