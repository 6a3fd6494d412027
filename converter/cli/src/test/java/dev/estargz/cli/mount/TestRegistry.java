package dev.estargz.cli.mount;

import java.io.IOException;
import java.nio.file.Path;

import dev.estargz.registry.BlobSource;
import dev.estargz.registry.Digest;
import dev.estargz.registry.FileBlobSource;
import dev.estargz.registry.RegistryClient;
import dev.estargz.registry.reference.ImageReference;
import dev.estargz.testkit.RegistryProcess;

/** A real {@code docker-registry} process on loopback and a client for it: blobs go in, ranged reads come out. */
final class TestRegistry implements AutoCloseable {
    private final RegistryProcess registry;
    private final RegistryClient client;

    private TestRegistry(RegistryProcess registry, RegistryClient client) {
        this.registry = registry;
        this.client = client;
    }

    static TestRegistry start() throws IOException {
        RegistryProcess r = RegistryProcess.startPlain();
        try {
            return new TestRegistry(r, RegistryClient.create(r.clientConfig().build()));
        } catch (RuntimeException e) {
            r.close();
            throw e;
        }
    }

    /** Uploads {@code blob} (whose sha256 is {@code digest}) to {@code repo} and opens it for ranged reads. */
    BlobSource push(String repo, Path blob, Digest digest) throws IOException {
        ImageReference ref = registry.ref(repo + ":latest");
        try (BlobSource content = FileBlobSource.open(blob)) {
            client.pushBlob(ref, digest, content, null);
        }
        return client.openBlob(ref, digest);
    }

    @Override
    public void close() {
        try {
            client.close();
        } finally {
            registry.close();
        }
    }
}
