package dev.estargz.snapshotter.cri;

import dev.estargz.registry.auth.CredentialStore;
import dev.estargz.snapshotter.config.CriKeychainConfig;
import dev.estargz.snapshotter.grpc.UnixSocketServer;
import io.grpc.ServerServiceDefinition;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code [cri_keychain]}: when {@code enable_keychain} is set, a {@link CriImageProxy} to {@code image_service_path}
 * and the {@link CriCredentials} it records for the registry client, in the process that reads the layers. Served on
 * the daemon's socket (as the reference) or on {@code listen_path} when that is set; with the fuse manager on, the
 * manager reads the layers, so it serves {@code listen_path} itself. Off, it serves nothing and knows no credentials.
 */
public final class CriKeychain implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CriKeychain.class);
    private static final String DEFAULT_IMAGE_SERVICE = "/run/containerd/containerd.sock";

    private final CriKeychainConfig config;
    private final CriCredentials credentials;
    private CriImageProxy proxy;
    private UnixSocketServer ownSocket;

    private CriKeychain(CriKeychainConfig config, CriCredentials credentials) {
        this.config = config;
        this.credentials = credentials;
    }

    /** The keychain of {@code config}; nothing runs until {@link #startInDaemon} or {@link #startInFuseManager}. */
    public static CriKeychain of(CriKeychainConfig config) {
        return new CriKeychain(config, config.enableKeychain() ? new CriCredentials() : null);
    }

    /** The credentials recorded from PullImage calls, for the registry client (anonymous when off). */
    public CredentialStore credentials() {
        return credentials == null ? CredentialStore.anonymous() : credentials;
    }

    /**
     * The daemon's part: serves on {@code listen_path}, or on the daemon's socket through {@link #onDaemonSocket},
     * unless the fuse manager reads the layers and {@code listen_path} is set (the manager serves it then).
     *
     * @param daemonSocket the daemon's {@code -address}
     * @param fuseManager  {@code [fuse_manager] enable}
     */
    public void startInDaemon(Path daemonSocket, boolean fuseManager) throws IOException {
        if (credentials == null) {
            return;
        }
        if (fuseManager && !config.listenPath().isEmpty()) {
            LOG.info("CRI image service on {} is served by the fuse manager, which reads the layers",
                    config.listenPath());
            return;
        }
        serve(config.listenPath().isEmpty() ? daemonSocket : Path.of(config.listenPath()));
        if (fuseManager) {
            LOG.warn("[cri_keychain] without listen_path and with [fuse_manager] enable = true: the fuse manager "
                    + "reads the layers with the docker config only, so private images pulled through CRI fall back "
                    + "to a full pull; set [cri_keychain] listen_path (kubelet's endpoint then) to have the manager "
                    + "serve it");
        }
    }

    /** The fuse manager's part: serves on {@code listen_path} when set (else the daemon serves, see above). */
    public void startInFuseManager() throws IOException {
        if (credentials != null && !config.listenPath().isEmpty()) {
            serve(Path.of(config.listenPath()));
        }
    }

    private void serve(Path socket) throws IOException {
        Path backend = Path.of(config.imageServicePath().isEmpty() ? DEFAULT_IMAGE_SERVICE
                : config.imageServicePath());
        proxy = CriImageProxy.connect(backend, credentials);
        if (!config.listenPath().isEmpty()) {
            try {
                ownSocket = UnixSocketServer.start(socket, proxy.services());
            } catch (IOException e) {
                proxy.close();
                proxy = null;
                throw new IOException("[cri_keychain] listen_path: " + e.getMessage(), e);
            }
        }
        LOG.info("CRI image service on {} (kubelet: --image-service-endpoint=unix://{}), passed on to {}", socket,
                socket, backend);
    }

    /** {@code snapshots} plus, when on and without {@code listen_path}, the CRI image service: the daemon's socket. */
    public List<ServerServiceDefinition> onDaemonSocket(ServerServiceDefinition snapshots) {
        List<ServerServiceDefinition> out = new ArrayList<>(List.of(snapshots));
        if (proxy != null && ownSocket == null) {
            out.addAll(proxy.services());
        }
        return out;
    }

    /** Stops serving on {@code listen_path} and closes the connection to the backend CRI. */
    @Override
    public void close() {
        if (ownSocket != null) {
            ownSocket.close();
        }
        if (proxy != null) {
            proxy.close();
        }
    }
}
