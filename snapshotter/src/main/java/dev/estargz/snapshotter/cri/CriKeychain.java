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
 * served on the daemon's socket (as the reference) or on {@code listen_path} when that is set, and the
 * {@link CriCredentials} it records for the registry client. Off, it serves nothing and knows no credentials.
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

    /** The keychain of {@code config}; nothing runs until {@link #start}. */
    public static CriKeychain of(CriKeychainConfig config) {
        return new CriKeychain(config, config.enableKeychain() ? new CriCredentials() : null);
    }

    /** The credentials recorded from PullImage calls, for the registry client (anonymous when off). */
    public CredentialStore credentials() {
        return credentials == null ? CredentialStore.anonymous() : credentials;
    }

    /**
     * Connects to the backend CRI and, with {@code listen_path}, serves there.
     *
     * @param daemonSocket the daemon's {@code -address}, where the service is served without {@code listen_path}
     * @param fuseManager  the fuse manager serves the layers: it reads the registry in its own process, where
     *                     these credentials are not
     */
    public void start(Path daemonSocket, boolean fuseManager) throws IOException {
        if (credentials == null) {
            return;
        }
        Path backend = Path.of(config.imageServicePath().isEmpty() ? DEFAULT_IMAGE_SERVICE
                : config.imageServicePath());
        proxy = CriImageProxy.connect(backend, credentials);
        Path served = daemonSocket;
        if (!config.listenPath().isEmpty()) {
            served = Path.of(config.listenPath());
            try {
                ownSocket = UnixSocketServer.start(served, proxy.services());
            } catch (IOException e) {
                proxy.close();
                throw new IOException("[cri_keychain] listen_path: " + e.getMessage(), e);
            }
        }
        LOG.info("CRI image service on {} (kubelet: --image-service-endpoint=unix://{}), passed on to {}", served,
                served, backend);
        if (fuseManager) {
            LOG.warn("[cri_keychain] with [fuse_manager] enable = true: the fuse manager reads the layers with the "
                    + "docker config only, so private images pulled through CRI fall back to a full pull; set "
                    + "[fuse_manager] enable = false to read them with the PullImage credentials");
        }
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
