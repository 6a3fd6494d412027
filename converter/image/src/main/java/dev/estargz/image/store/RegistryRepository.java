package dev.estargz.image.store;

/** A repository on a registry host: where a blob can be mounted from. */
public record RegistryRepository(String registry, String repository) {
}
