package dev.estargz.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A private containerd for one test: its own root, state, config and gRPC socket under a directory the test
 * owns, and its own namespace (containerd 1.6 keeps shim state under /run/containerd whatever the root, so
 * the namespace keeps tests apart). The CRI plugin is disabled unless asked for. {@link #close()} stops it.
 */
public final class ContainerdProcess implements AutoCloseable {
    private final Process process;
    private final Path dir;
    private final Path socket;
    private final String namespace;

    private ContainerdProcess(Process process, Path dir, Path socket, String namespace) {
        this.process = process;
        this.dir = dir;
        this.socket = socket;
        this.namespace = namespace;
    }

    /** Starts containerd under {@code dir} (keep it short: the socket path must fit in 108 bytes). */
    public static ContainerdProcess start(Path dir) throws IOException {
        return start(dir, false, "");
    }

    /**
     * As {@link #start(Path)}, with the CRI plugin on when {@code cri} is true and {@code extraTables} (TOML tables
     * only, config version 2: proxy plugins, plugin settings) appended to the config.
     */
    public static ContainerdProcess start(Path dir, boolean cri, String extraTables) throws IOException {
        Path root = Files.createDirectories(dir.resolve("root"));
        Path state = Files.createDirectories(dir.resolve("state"));
        Path socket = dir.resolve("containerd.sock");
        Path config = dir.resolve("config.toml");
        Files.writeString(config, String.join("\n",
                "version = 2",
                "root = \"" + root + "\"",
                "state = \"" + state + "\"",
                cri ? "" : "disabled_plugins = [\"io.containerd.grpc.v1.cri\"]",
                "[grpc]",
                "  address = \"" + socket + "\"",
                "[ttrpc]",
                "  address = \"" + socket + ".ttrpc\"",
                "[debug]",
                "  address = \"" + socket + ".debug\"",
                extraTables,
                ""));
        Process p = new ProcessBuilder("containerd", "--config", config.toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("containerd.log").toFile())
                .start();
        String ns = "estargz-test-" + UUID.randomUUID().toString().substring(0, 8);
        ContainerdProcess c = new ContainerdProcess(p, dir, socket, ns);
        try {
            c.awaitReady();
        } catch (IOException | RuntimeException e) {
            c.close();
            throw e;
        }
        return c;
    }

    private void awaitReady() throws IOException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("containerd exited with " + process.exitValue() + "; see " + log());
            }
            if (Files.exists(socket) && ctrRaw("version").exitCode() == 0) {
                return;
            }
            sleep(100);
        }
        throw new IOException("containerd did not answer on " + socket + " within 30 s; see " + log());
    }

    /** Runs {@code ctr-remote -a SOCKET -n NAMESPACE args...} and throws on failure. */
    public Command.Result ctr(String... args) throws IOException {
        return ctrRaw(args).check();
    }

    private Command.Result ctrRaw(String... args) throws IOException {
        List<String> argv = new ArrayList<>(List.of("ctr-remote", "-a", socket.toString(), "-n", namespace));
        argv.addAll(List.of(args));
        return Command.of(argv).timeout(Duration.ofMinutes(5)).run();
    }

    public Path socket() {
        return socket;
    }

    /** containerd's own root (its snapshotters' and content store's directories are under it). */
    public Path root() {
        return dir.resolve("root");
    }

    public String namespace() {
        return namespace;
    }

    /** containerd's own log, for failure messages. */
    public Path log() {
        return dir.resolve("containerd.log");
    }

    /** SIGTERM, then SIGKILL after 10 s. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for containerd", e);
        }
    }
}
