package dev.estargz.registry.auth;

import java.io.IOException;

/** Looks up the credential for a registry host ({@code docker.io} for Docker Hub, else {@code host[:port]}). */
@FunctionalInterface
public interface CredentialStore {
    /** The credential for {@code registry}, or {@link Credential#ANONYMOUS}; never null. */
    Credential lookup(String registry) throws IOException;

    /**
     * The credential for {@code repository} on {@code registry}: stores that hold credentials per image (kubelet's
     * pull secrets) answer here; a store of per-host credentials needs not override it.
     */
    default Credential lookup(String registry, String repository) throws IOException {
        return lookup(registry);
    }

    /** A store that knows no one. */
    static CredentialStore anonymous() {
        return registry -> Credential.ANONYMOUS;
    }

    /** Tries {@code this}, then {@code next} when this one is anonymous. */
    default CredentialStore orElse(CredentialStore next) {
        CredentialStore first = this;
        return new CredentialStore() {
            @Override
            public Credential lookup(String registry) throws IOException {
                Credential c = first.lookup(registry);
                return c instanceof Credential.Anonymous ? next.lookup(registry) : c;
            }

            @Override
            public Credential lookup(String registry, String repository) throws IOException {
                Credential c = first.lookup(registry, repository);
                return c instanceof Credential.Anonymous ? next.lookup(registry, repository) : c;
            }

            @Override
            public String toString() {
                return first + ", then " + next;
            }
        };
    }
}
