package dev.estargz.snapshotter.fusemanager;

import dev.estargz.fusefs.mount.WarmUp;
import dev.estargz.snapshotter.config.ConfigException;
import dev.estargz.snapshotter.config.ConfigLoader;
import dev.estargz.snapshotter.config.DaemonConfig;
import dev.estargz.snapshotter.cri.CriKeychain;
import dev.estargz.snapshotter.daemon.SdNotify;
import dev.estargz.snapshotter.daemon.StargzFsMetrics;
import dev.estargz.snapshotter.remote.stargz.LayerEvents;
import dev.estargz.snapshotter.remote.stargz.StargzLayerMounter;
import dev.estargz.snapshotter.remote.stargz.StargzSettings;
import dev.estargz.snapshotter.runtime.IdleHeapTrim;
import dev.estargz.snapshotter.runtime.LogLevels;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code estargz-fuse-manager}: the long-lived process that owns the chunk cache and every FUSE layer mount, so
 * that a killed, restarted or upgraded snapshotter daemon leaves running containers' layers alive (the kernel
 * aborts a FUSE connection when its serving process dies). Started detached by the daemon, or as its own systemd
 * unit. SIGTERM unmounts everything it serves and exits.
 */
@Command(name = "estargz-fuse-manager", description = "serves the FUSE layer mounts of estargz-snapshotter")
public final class Main implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(Main.class);

    @Option(names = {"-address", "--address"}, description = "unix socket the daemon talks to")
    Path address = Path.of("/run/containerd-stargz-grpc/fuse-manager.sock");

    @Option(names = {"-config", "--config"}, description = "the snapshotter's configuration file (same TOML)")
    Path config = ConfigLoader.DEFAULT_PATH;

    @Option(names = {"-root", "--root"}, description = "the snapshotter's root directory")
    Path root = Path.of("/var/lib/containerd-stargz-grpc");

    @Option(names = {"-log-level", "--log-level"}, description = "trace, debug, info, warn, error")
    String logLevel = "info";

    @Option(names = {"-h", "-help", "--help"}, usageHelp = true, description = "show this help")
    boolean help;

    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).execute(args));
    }

    /** The lock file next to the socket: held while a manager serves it, and holds that manager's pid. */
    static Path lockFile(Path address) {
        return address.resolveSibling(address.getFileName() + ".lock");
    }

    @Override
    public Integer call() throws Exception {
        if (!LogLevels.apply("estargz-fuse-manager", logLevel)) {
            return 2;
        }
        DaemonConfig cfg;
        try {
            cfg = new ConfigLoader().load(config).config();
        } catch (ConfigException e) {
            LOG.error("failed to load config: {}", e.getMessage());
            return 1;
        }
        address = address.toAbsolutePath().normalize();
        root = root.toAbsolutePath().normalize();
        Files.createDirectories(address.getParent());
        FileChannel lockChannel = FileChannel.open(lockFile(address), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE, StandardOpenOption.READ);
        FileLock lock = lockChannel.tryLock();
        if (lock == null) {
            // two daemons raced to start a manager: the other one serves, nothing to do
            LOG.info("another fuse manager already serves {} (see {})", address, lockFile(address));
            lockChannel.close();
            return 0;
        }
        lockChannel.truncate(0);
        lockChannel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8)));
        return serve(cfg, lockChannel);
    }

    private int serve(DaemonConfig cfg, FileChannel lock) throws IOException, InterruptedException {
        PrometheusRegistry registry = new PrometheusRegistry();
        boolean metricsOn = !cfg.noPrometheus() && !cfg.fuseManager().metricsAddress().isEmpty();
        StargzFsMetrics fsMetrics = metricsOn ? new StargzFsMetrics(registry) : null;
        StargzLayerMounter layers;
        // the PullImage credentials belong where the layers are read: here
        CriKeychain cri = CriKeychain.of(cfg.criKeychain());
        try {
            // removes dead FUSE mounts left by a killed manager (or a daemon serving in-process) first
            layers = StargzLayerMounter.open(cfg, root, fsMetrics == null ? LayerEvents.NONE : fsMetrics,
                    cri.credentials());
        } catch (IOException e) {
            LOG.error("failed to open the layer cache under {}: {}", root.resolve("stargz"), e.getMessage());
            return 1;
        }
        HTTPServer metrics = null;
        if (fsMetrics != null) {
            fsMetrics.watch(registry, () -> layers);
            metrics = dev.estargz.snapshotter.daemon.Main.startMetrics(cfg.fuseManager().metricsAddress(), registry);
        }
        MountServer server;
        try {
            server = MountServer.start(address, root, ServedLayers.of(layers));
        } catch (IOException e) {
            layers.close();
            LOG.error("failed to listen on {}: {}", address, e.toString());
            return 1;
        }
        try {
            cri.startInFuseManager();
        } catch (IOException e) {
            server.close();
            layers.close();
            LOG.error("failed to serve the CRI image service: {}", e.getMessage());
            return 1;
        }
        SdNotify notify = new SdNotify(System.getenv("NOTIFY_SOCKET"));
        CountDownLatch stopped = new CountDownLatch(1);
        HTTPServer metricsServer = metrics;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            LOG.info("shutting down: unmounting the {} layers served", layers.mountpoints().size());
            notify.send("STOPPING=1");
            server.close();
            cri.close();
            layers.close();
            if (metricsServer != null) {
                metricsServer.close();
            }
            try {
                lock.close();
            } catch (IOException e) {
                LOG.debug("releasing the lock: {}", e.toString());
            }
            stopped.countDown();
        }, "fuse-manager-shutdown"));
        LOG.info("fuse manager pid {} serving on {} with root {}", ProcessHandle.current().pid(), address, root);
        notify.send("READY=1");
        Path scratch = root.resolve("stargz").resolve("tmp");
        WarmUp.startInBackground(scratch, StargzSettings.fsOptions(cfg), () -> {
            StargzLayerMounter.warmUpSaves(scratch);
            IdleHeapTrim.collectTight();
        });
        // the heap a warm-up, a layer's open or a burst of reads took goes back once the process is quiet
        IdleHeapTrim.start(5_000);
        stopped.await();
        return 0;
    }
}
