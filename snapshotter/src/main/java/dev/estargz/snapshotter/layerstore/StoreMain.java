package dev.estargz.snapshotter.layerstore;

import dev.estargz.fusefs.fuse.FuseMount;
import dev.estargz.fusefs.fuse.MountTable;
import dev.estargz.snapshotter.config.ConfigException;
import dev.estargz.snapshotter.config.ConfigLoader;
import dev.estargz.snapshotter.config.LoadedConfig;
import dev.estargz.snapshotter.remote.stargz.StargzSettings;
import dev.estargz.snapshotter.runtime.LogLevels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code estargz-store MOUNTPOINT}: the reference's {@code stargz-store}, an additional layer store for
 * containers/storage (Podman, CRI-O, Buildah) that serves eStargz layers lazily. Same flags, defaults and config
 * keys as the reference's; serves until unmounted or stopped.
 */
@Command(name = "estargz-store", description = "additional layer store for containers/storage that lazily pulls"
        + " eStargz layers")
public final class StoreMain implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(StoreMain.class);
    static final Path DEFAULT_CONFIG = Path.of("/etc/stargz-store/config.toml");

    @Option(names = {"-config", "--config"}, description = "path to the configuration file")
    Path config = DEFAULT_CONFIG;

    @Option(names = {"-log-level", "--log-level"}, description = "set the logging level [trace, debug, info, warn,"
            + " error, fatal, panic]")
    String logLevel = "info";

    @Option(names = {"-root", "--root"}, description = "path to the root directory for this store")
    Path root = Path.of("/var/lib/stargz-store");

    @Option(names = {"-h", "-help", "--help"}, usageHelp = true, description = "show this help")
    boolean help;

    @Parameters(arity = "0..1", paramLabel = "MOUNTPOINT", description = "where the store is mounted")
    Path mountpoint;

    public static void main(String[] args) {
        System.exit(new CommandLine(new StoreMain()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        if (mountpoint == null) {
            System.err.println("estargz-store: mount point must be specified");
            return 2;
        }
        if (!LogLevels.apply("estargz-store", logLevel)) {
            return 2;
        }
        LoadedConfig loaded;
        try {
            loaded = new ConfigLoader().load(config, DEFAULT_CONFIG);
        } catch (ConfigException e) {
            LOG.error("failed to load config: {}", e.getMessage());
            return 1;
        }
        loaded.unknownKeys().forEach(k -> LOG.warn("unknown config key {} in {} is ignored", k, config));
        Path dir = mountpoint.toAbsolutePath().normalize();
        StoreLayers layers;
        FuseMount mount;
        try {
            Files.createDirectories(root);
            Files.createDirectories(dir);
            FuseMount.removeStaleMounts(dir);
            layers = StoreLayers.open(loaded.config(), root);
        } catch (IOException e) {
            LOG.error("failed to prepare the store at {} (root {}): {}", dir, root, e.getMessage());
            return 1;
        }
        try {
            mount = FuseMount.mount(new StoreTree(layers, "stargz store at " + dir), dir,
                    StargzSettings.fsOptions(loaded.config()).fuse(), false);
        } catch (IOException e) {
            layers.close();
            LOG.error("failed to mount the store: {}", e.getMessage());
            return 1;
        }
        Thread hook = new Thread(() -> stop(mount, layers), "estargz-store-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        LOG.info("serving the layer store at {} with root {}", dir, root);
        // an outside unmount (fusermount -u) ends the store as a signal does
        while (MountTable.isMountPoint(dir)) {
            Thread.sleep(1000);
        }
        LOG.info("{} was unmounted", dir);
        return 0;
    }

    private static void stop(FuseMount mount, StoreLayers layers) {
        try {
            mount.close();
        } catch (IOException | RuntimeException e) {
            LOG.warn("unmounting {}: {}", mount.mountPoint(), e.toString());
        }
        layers.close();
    }
}
