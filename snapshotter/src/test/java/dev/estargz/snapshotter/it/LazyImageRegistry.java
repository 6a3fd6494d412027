package dev.estargz.snapshotter.it;

import dev.estargz.registry.RegistryClient;
import dev.estargz.registry.RegistryConfig;
import dev.estargz.registry.auth.Credential;
import dev.estargz.testkit.RegistryProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A plain docker-registry holding one pushed {@link LazyImage}, reached through a {@link CountingProxy} so a test
 * can count what a pull fetched and play a stopped registry. {@link #close()} stops the proxy and the registry.
 */
final class LazyImageRegistry implements AutoCloseable {
    private final RegistryProcess registry;
    final CountingProxy proxy;
    final LazyImage image;
    /** The image's reference through the proxy. */
    final String ref;

    private LazyImageRegistry(RegistryProcess registry, CountingProxy proxy, LazyImage image, String ref) {
        this.registry = registry;
        this.proxy = proxy;
        this.image = image;
        this.ref = ref;
    }

    /** Starts a registry and its proxy and pushes the image as {@code repoTag}, building it under {@code work}. */
    static LazyImageRegistry start(String repoTag, Path work) throws IOException {
        return start(repoTag, work, Map.of());
    }

    /**
     * As {@link #start(String, Path)}, the registry asking for htpasswd basic auth of one of {@code users} (name →
     * password; none: no auth); the image is pushed as the first user.
     */
    static LazyImageRegistry start(String repoTag, Path work, Map<String, String> users) throws IOException {
        RegistryProcess registry = RegistryProcess.start(RegistryProcess.Options.plain().withHtpasswd(users));
        CountingProxy proxy = null;
        try {
            proxy = new CountingProxy(registry.port());
            LazyImage image;
            RegistryConfig.Builder config = registry.clientConfig();
            users.entrySet().stream().findFirst().ifPresent(u -> config.credentials(
                    r -> new Credential.Basic(u.getKey(), u.getValue())));
            try (RegistryClient client = RegistryClient.create(config.build())) {
                image = LazyImage.push(client, registry.ref(repoTag), Files.createDirectories(work));
            }
            return new LazyImageRegistry(registry, proxy, image, proxy.host() + "/" + repoTag);
        } catch (IOException | RuntimeException e) {
            try {
                if (proxy != null) {
                    proxy.close();
                }
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            registry.close();
            throw e;
        }
    }

    @Override
    public void close() throws IOException {
        try {
            proxy.close();
        } finally {
            registry.close();
        }
    }
}
