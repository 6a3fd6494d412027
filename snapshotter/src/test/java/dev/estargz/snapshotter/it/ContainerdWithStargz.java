package dev.estargz.snapshotter.it;

import dev.estargz.testkit.ContainerdProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A private containerd ({@link ContainerdProcess}: own root, state, sockets and namespace; CRI off unless asked
 * for) whose config declares our daemon as {@code [proxy_plugins.stargz]}, exactly the wiring users of the
 * reference have.
 */
final class ContainerdWithStargz implements AutoCloseable {
    private final ContainerdProcess process;
    final String namespace;

    private ContainerdWithStargz(ContainerdProcess process) {
        this.process = process;
        this.namespace = process.namespace();
    }

    /**
     * Starts containerd under {@code dir/containerd}, with the CRI plugin on when {@code criRegistry} (a plain-HTTP
     * loopback registry host) is given: images pulled through CRI use our snapshotter and pass the snapshot
     * annotations, the settings the reference documents for Kubernetes.
     */
    static ContainerdWithStargz start(Path dir, Path stargzSocket, Path stargzRoot, String criRegistry)
            throws IOException {
        String cri = criRegistry == null ? "" : String.join("\n",
                "[plugins.\"io.containerd.grpc.v1.cri\"]",
                "  stream_server_address = \"127.0.0.1\"",
                "  [plugins.\"io.containerd.grpc.v1.cri\".containerd]",
                "    snapshotter = \"stargz\"",
                "    disable_snapshot_annotations = false",
                "  [plugins.\"io.containerd.grpc.v1.cri\".cni]",
                "    bin_dir = \"" + Files.createDirectories(dir.resolve("cni-bin")) + "\"",
                "    conf_dir = \"" + Files.createDirectories(dir.resolve("cni-conf")) + "\"",
                "  [plugins.\"io.containerd.grpc.v1.cri\".registry.mirrors.\"" + criRegistry + "\"]",
                "    endpoint = [\"http://" + criRegistry + "\"]");
        String tables = String.join("\n",
                cri,
                // GC only when a test asks for it (ctr leases rm --sync), so transcripts do not race it
                "[plugins.\"io.containerd.gc.v1.scheduler\"]",
                "  mutation_threshold = 1000000",
                "  deletion_threshold = 0",
                "[proxy_plugins]",
                "  [proxy_plugins.stargz]",
                "    type = \"snapshot\"",
                "    address = \"" + stargzSocket + "\"",
                "    [proxy_plugins.stargz.exports]",
                "      root = \"" + stargzRoot + "/\"");
        Path home = Files.createDirectories(dir.resolve("containerd"));
        return new ContainerdWithStargz(ContainerdProcess.start(home, criRegistry != null, tables));
    }

    /** containerd's gRPC socket (also the CRI endpoint when CRI is on). */
    Path socket() {
        return process.socket();
    }

    /** The overlayfs snapshotter's root inside this containerd, for comparing mount paths. */
    Path overlayRoot() {
        return process.root().resolve("io.containerd.snapshotter.v1.overlayfs");
    }

    /** {@code ctr-remote} (a superset of ctr) against this containerd and namespace; never throws on exit code. */
    Run ctrRaw(String... args) throws IOException {
        return ctrIn(namespace, args);
    }

    /**
     * {@code ctr-remote} in another namespace ({@code namespace} plus a suffix): its snapshots are new to the
     * snapshotter, so pulling an image already pulled here prepares new remote snapshots. Never throws on exit code.
     */
    Run ctrIn(String otherNamespace, String... args) throws IOException {
        List<String> argv = new ArrayList<>(List.of("ctr-remote", "-a", socket().toString(), "-n", otherNamespace));
        argv.addAll(List.of(args));
        return Run.of(argv);
    }

    /** Like {@link #ctrRaw} but throws on a non-zero exit. */
    Run ctr(String... args) throws IOException {
        Run r = ctrRaw(args);
        if (r.exit() != 0) {
            throw new IOException("ctr " + String.join(" ", args) + " exited " + r.exit() + ":\n" + r.output());
        }
        return r;
    }

    /**
     * Waits (up to 60 s) until containerd talks to our restarted daemon again: its gRPC client to the proxy plugin
     * backs off after the old socket went away, and until it reconnects every call fails with "timed out waiting
     * for server handshake". A snapshot prepare and remove are the cheapest calls that reach the plugin.
     */
    void awaitStargz() throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        for (int i = 0; ; i++) {
            String key = "await-" + i;
            Run r = ctrRaw("snapshots", "--snapshotter", "stargz", "prepare", key);
            if (r.exit() == 0) {
                ctr("snapshots", "--snapshotter", "stargz", "rm", key);
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("containerd does not reach the stargz snapshotter: " + r.output());
            }
            DaemonProcess.sleep(250);
        }
    }

    /** Runs containerd's garbage collector now and waits for it (deleting a lease with --sync does that). */
    void collectGarbage() throws IOException {
        String lease = "gc-" + UUID.randomUUID();
        ctr("leases", "create", "--id", lease);
        ctr("leases", "rm", "--sync", lease);
    }

    @Override
    public void close() {
        process.close();
    }
}
