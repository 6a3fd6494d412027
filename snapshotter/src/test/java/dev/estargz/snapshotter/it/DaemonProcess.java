package dev.estargz.snapshotter.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Our daemon as a real process, started through bin/estargz-snapshotter from the packaged jars. */
final class DaemonProcess implements AutoCloseable {
    private final Path socket;
    private final Path log;
    private final Process process;

    private DaemonProcess(Path socket, Path log, Process process) {
        this.socket = socket;
        this.log = log;
        this.process = process;
    }

    static Path launcher() {
        // surefire/failsafe run with the module as working directory
        return Path.of("..", "bin", "estargz-snapshotter").toAbsolutePath().normalize();
    }

    static DaemonProcess start(Path socket, Path root, Path config, Path log) throws IOException {
        return start(socket, root, config, log, Map.of());
    }

    /** As {@link #start(Path, Path, Path, Path)}, with {@code env} added to the daemon's environment. */
    static DaemonProcess start(Path socket, Path root, Path config, Path log, Map<String, String> env)
            throws IOException {
        Files.deleteIfExists(socket);
        ProcessBuilder pb = new ProcessBuilder(List.of(launcher().toString(), "-address", socket.toString(),
                "-root", root.toString(), "-config", config.toString(), "-log-level", "debug"))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().putAll(env);
        Process p = pb.start();
        DaemonProcess d = new DaemonProcess(socket, log, p);
        // generous: a first start with the fuse manager on also waits for the manager's JVM (shared machine)
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (!Files.exists(socket)) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                d.kill9();
                throw new IOException("daemon did not serve on " + socket + ":\n" + Files.readString(log));
            }
            sleep(50);
        }
        return d;
    }

    long pid() {
        return process.pid();
    }

    /** SIGKILL: no shutdown hook runs, as in a crash or OOM kill. */
    void kill9() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    String log() throws IOException {
        return Files.readString(log);
    }

    /** SIGTERM (graceful), SIGKILL after 15 s. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
