package dev.estargz.snapshotter.it;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * One IT's private stack: a directory under /tmp holding our daemon's socket, root, config and log, the daemon,
 * and a containerd wired to it. {@link #close()} stops containerd, the daemon and its fuse manager (unmounting any
 * of our FUSE mounts left under the root) and removes the directory, so no test leaves a process or mount behind.
 */
final class StargzStack implements AutoCloseable {
    final Path dir;
    final Path socket;
    final Path root;
    final Path config;
    final Path daemonLog;
    /** Where the fuse manager listens when the config names this address (or nothing runs there). */
    final Path managerSocket;
    private DaemonProcess daemon;
    private ContainerdWithStargz containerd;

    private StargzStack(Path dir) {
        this.dir = dir;
        this.socket = dir.resolve("stargz.sock");
        this.root = dir.resolve("stargz-root");
        this.config = dir.resolve("config.toml");
        this.daemonLog = dir.resolve("daemon.log");
        this.managerSocket = dir.resolve("fm/fuse-manager.sock");
    }

    /** A new directory named {@code prefix...} under /tmp (short: unix socket names are limited to 108 bytes). */
    static StargzStack create(String prefix) throws IOException {
        return new StargzStack(Files.createTempDirectory(Path.of("/tmp"), prefix));
    }

    /** A loopback port free right now, for the metrics endpoints the config names. */
    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Writes the daemon's config.toml, one TOML line per argument. */
    void writeConfig(String... lines) throws IOException {
        Files.writeString(config, String.join("\n", lines) + "\n");
    }

    /** Starts the daemon (again, after a kill or stop: the newest one is the one {@link #close()} stops). */
    DaemonProcess startDaemon() throws IOException {
        return startDaemon(Map.of());
    }

    /** As {@link #startDaemon()}, with {@code env} added to the daemon's environment. */
    DaemonProcess startDaemon(Map<String, String> env) throws IOException {
        daemon = DaemonProcess.start(socket, root, config, daemonLog, env);
        return daemon;
    }

    /** The {@code fs} dirs of our remote snapshots (those with a saved TOC), sorted. */
    List<Path> remoteLayerMounts() throws IOException {
        try (Stream<Path> s = Files.list(root.resolve("snapshotter/snapshots"))) {
            return s.filter(d -> Files.exists(d.resolve("stargz-layer.json"))).map(d -> d.resolve("fs")).sorted()
                    .toList();
        }
    }

    /** Starts containerd with our daemon as its stargz proxy plugin; CRI on when {@code criRegistry} is given. */
    ContainerdWithStargz startContainerd(String criRegistry) throws IOException {
        containerd = ContainerdWithStargz.start(dir, socket, root, criRegistry);
        return containerd;
    }

    @Override
    public void close() throws IOException {
        if (containerd != null) {
            containerd.close();
        }
        if (daemon != null) {
            daemon.close();
        }
        FuseManagerProcess.stop(managerSocket, root);
        Run.of(List.of("rm", "-rf", dir.toString()));
    }
}
