package dev.estargz.snapshotter.daemon;

import dev.estargz.fusefs.mount.WarmUp;
import dev.estargz.snapshotter.config.ConfigException;
import dev.estargz.snapshotter.config.ConfigLoader;
import dev.estargz.snapshotter.config.DaemonConfig;
import dev.estargz.snapshotter.config.LoadedConfig;
import dev.estargz.snapshotter.cri.CriKeychain;
import dev.estargz.snapshotter.fusemanager.DetachedLayerMounter;
import dev.estargz.snapshotter.grpc.SnapshotsService;
import dev.estargz.snapshotter.grpc.SnapshotsWarmUp;
import dev.estargz.snapshotter.grpc.UnixSocketServer;
import dev.estargz.snapshotter.remote.RemoteLayerMounter;
import dev.estargz.snapshotter.remote.stargz.LayerEvents;
import dev.estargz.snapshotter.remote.stargz.StargzLayerMounter;
import dev.estargz.snapshotter.remote.stargz.StargzSettings;
import dev.estargz.snapshotter.runtime.IdleHeapTrim;
import dev.estargz.snapshotter.runtime.LogLevels;
import dev.estargz.snapshotter.snapshot.OverlaySnapshotter;
import dev.estargz.snapshotter.snapshot.RemoteSnapshotEvents;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code estargz-snapshotter}: containerd proxy snapshotter daemon, flags and defaults as containerd-stargz-grpc. */
@Command(name = "estargz-snapshotter", mixinStandardHelpOptions = false,
        description = "containerd proxy snapshotter that lazily pulls eStargz images")
public final class Main implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(Main.class);
    static final String VERSION = "0.1.0-SNAPSHOT";
    static final Path DEFAULT_ROOT = Path.of("/var/lib/containerd-stargz-grpc");

    @Option(names = {"-address", "--address"}, description = "address for the snapshotter's GRPC server")
    Path address = Path.of("/run/containerd-stargz-grpc/containerd-stargz-grpc.sock");

    @Option(names = {"-config", "--config"}, description = "path to the configuration file")
    Path config = ConfigLoader.DEFAULT_PATH;

    @Option(names = {"-log-level", "--log-level"}, description = "set the logging level [trace, debug, info, warn, error, fatal, panic]")
    String logLevel = "info";

    @Option(names = {"-root", "--root"}, description = "path to the root directory for this snapshotter")
    Path root = DEFAULT_ROOT;

    @Option(names = {"-version", "--version"}, description = "print the version")
    boolean version;

    @Option(names = {"-h", "-help", "--help"}, usageHelp = true, description = "show this help")
    boolean help;

    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        if (version) {
            System.out.println("estargz-snapshotter " + VERSION);
            return 0;
        }
        if (!LogLevels.apply("estargz-snapshotter", logLevel)) {
            return 2;
        }

        LoadedConfig loaded;
        try {
            loaded = new ConfigLoader().load(config);
        } catch (ConfigException e) {
            LOG.error("failed to load config: {}", e.getMessage());
            return 1;
        }
        loaded.unknownKeys().forEach(k -> LOG.warn("unknown config key {} in {} is ignored", k, config));
        if (!loaded.inactiveKeys().isEmpty()) {
            LOG.info("config keys accepted but not yet in effect: {}", loaded.inactiveKeys());
        }
        return serve(loaded.config());
    }

    private int serve(DaemonConfig cfg) throws IOException, InterruptedException {
        PrometheusRegistry registry = new PrometheusRegistry();
        RemoteSnapshotEvents events = cfg.noPrometheus() ? RemoteSnapshotEvents.NONE : new SnapshotterMetrics(registry);
        RemoteLayerMounter remote;
        AutoCloseable remoteCloser;
        Path scratch = root.resolve("stargz").resolve("tmp");
        CriKeychain cri = CriKeychain.of(cfg.criKeychain());
        Path managerAddress = cfg.fuseManager().addressFor(root, DEFAULT_ROOT);
        if (cfg.fuseManager().enable()) {
            // the layers' FUSE mounts live in the fuse manager, which serves the stargz_fs metrics itself
            try {
                DetachedLayerMounter detached = DetachedLayerMounter.connect(cfg.fuseManager().path(),
                        managerAddress, config, root, logLevel, cfg.prefetchTimeoutSec());
                remote = detached;
                remoteCloser = detached;
                startInBackground(() -> SnapshotsWarmUp.run(scratch, detached::ping));
            } catch (IOException e) {
                LOG.error("failed to reach or start the fuse manager at {}: {}", managerAddress,
                        e.getMessage());
                return 1;
            }
        } else {
            StargzFsMetrics fsMetrics = cfg.noPrometheus() ? null : new StargzFsMetrics(registry);
            StargzLayerMounter inProcess;
            try {
                // removes dead FUSE mounts left by a killed run before the snapshots are restored
                inProcess = StargzLayerMounter.open(cfg, root, fsMetrics == null ? LayerEvents.NONE : fsMetrics,
                        cri.credentials());
            } catch (IOException e) {
                LOG.error("failed to open the layer cache under {}: {}", root.resolve("stargz"), e.getMessage());
                return 1;
            }
            if (fsMetrics != null) {
                fsMetrics.watch(registry, () -> inProcess);
            }
            remote = inProcess;
            WarmUp.startInBackground(scratch, StargzSettings.fsOptions(cfg), () -> {
                StargzLayerMounter.warmUpSaves(scratch);
                SnapshotsWarmUp.run(scratch, () -> { });
                IdleHeapTrim.collectTight();
            });
            // unmounts every lazily served layer; snapshots, saved TOCs and the chunk cache stay for the next start
            remoteCloser = inProcess;
        }
        OverlaySnapshotter snapshotter = OverlaySnapshotter.open(root.resolve("snapshotter"), remote, events);
        UnixSocketServer server;
        try {
            cri.startInDaemon(address, cfg.fuseManager().enable());
            server = UnixSocketServer.start(address, cri.onDaemonSocket(new SnapshotsService(snapshotter)
                    .bindService()));
        } catch (IOException e) {
            cri.close();
            snapshotter.close();
            closeQuietly(remoteCloser);
            LOG.error("failed to serve: {}", e.getMessage());
            return 1;
        }
        HTTPServer metrics = null;
        if (!cfg.metricsAddress().isEmpty() && !cfg.noPrometheus()) {
            metrics = startMetrics(cfg.metricsAddress(), registry);
        }
        SdNotify notify = new SdNotify(System.getenv("NOTIFY_SOCKET"));
        CountDownLatch stopped = new CountDownLatch(1);
        HTTPServer metricsServer = metrics;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            LOG.info("shutting down; snapshots are kept");
            notify.send("STOPPING=1");
            server.close();
            cri.close();
            if (metricsServer != null) {
                metricsServer.close();
            }
            snapshotter.close();
            // in-process: unmounts every layer; with the fuse manager: its mounts keep serving running containers
            closeQuietly(remoteCloser);
            stopped.countDown();
        }, "shutdown"));
        LOG.info("serving on {} with root {}{}", address, root, cfg.fuseManager().enable()
                ? "; layers served by the fuse manager at " + managerAddress + " (stop it and its mounts: kill $(cat "
                + managerAddress + ".lock))" : "");
        notify.send("READY=1");
        // the heap a warm-up, a layer's open or a burst of reads took goes back once the process is quiet
        IdleHeapTrim.start(5_000);
        stopped.await();
        return 0;
    }

    /** Runs {@code warmUp} on a daemon thread of low priority, then gives back the heap it took. */
    private static void startInBackground(Runnable warmUp) {
        Thread t = new Thread(() -> {
            warmUp.run();
            IdleHeapTrim.collectTight();
        }, "estargz-snapshots-warm-up");
        t.setDaemon(true);
        t.setPriority(Thread.MIN_PRIORITY);
        t.start();
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            LOG.warn("closing {}: {}", c, e.toString());
        }
    }

    /** Serves {@code registry} at http://{@code address}/metrics ({@code host:port}, as metrics_address). */
    public static HTTPServer startMetrics(String address, PrometheusRegistry registry) throws IOException {
        int colon = address.lastIndexOf(':');
        if (colon < 0) {
            throw new IOException("metrics_address " + address + " is not host:port");
        }
        String host = address.substring(0, colon);
        int port = Integer.parseInt(address.substring(colon + 1));
        HTTPServer s = HTTPServer.builder()
                .inetAddress(host.isEmpty() ? InetAddress.getByName("0.0.0.0") : InetAddress.getByName(host))
                .port(port).registry(registry).buildAndStart();
        LOG.info("metrics on http://{}/metrics", address);
        return s;
    }
}
