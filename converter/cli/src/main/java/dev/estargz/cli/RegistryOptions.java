package dev.estargz.cli;

import dev.estargz.registry.RegistryClient;
import dev.estargz.registry.RegistryConfig;
import dev.estargz.registry.auth.DockerConfigCredentials;
import picocli.CommandLine.Option;

/** What every command that talks to a registry shares (picocli mixin): {@code --plain-http}, Docker credentials. */
final class RegistryOptions {
    @Option(names = "--plain-http",
            description = "Talk plain HTTP to the registry (loopback registries always use plain HTTP).")
    boolean plainHttp;

    /** A client with these options and the credentials of {@code $DOCKER_CONFIG} or {@code ~/.docker}. */
    RegistryClient client() {
        return RegistryClient.create(RegistryConfig.builder().plainHttp(plainHttp)
                .credentials(DockerConfigCredentials.fromEnvironment()).build());
    }
}
