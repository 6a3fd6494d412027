package dev.estargz.registry.auth;

import java.io.IOException;

/** Looks up the credential for a registry host ({@code docker.io} for Docker Hub, else {@code host[:port]}). */
@FunctionalInterface
public interface CredentialStore {
    /** The credential for {@code registry}, or {@link Credential#ANONYMOUS}; never null. */
    Credential lookup(String registry) throws IOException;

    /** A store that knows no one. */
    static CredentialStore anonymous() {
        return registry -> Credential.ANONYMOUS;
    }

    /** Tries {@code this}, then {@code next} when this one is anonymous. */
    default CredentialStore orElse(CredentialStore next) {
        return registry -> {
            Credential c = lookup(registry);
            return c instanceof Credential.Anonymous ? next.lookup(registry) : c;
        };
    }
}
