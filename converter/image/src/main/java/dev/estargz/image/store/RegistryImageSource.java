package dev.estargz.image.store;

import dev.estargz.registry.BlobSource;
import dev.estargz.registry.FetchedManifest;
import dev.estargz.registry.RegistryClient;
import dev.estargz.registry.manifest.Descriptor;
import dev.estargz.registry.reference.ImageReference;

import java.io.IOException;
import java.io.InputStream;

/** An image in a registry repository, read through the registry client. */
public final class RegistryImageSource implements ImageSource {
    private final RegistryClient client;
    private final ImageReference reference;

    public RegistryImageSource(RegistryClient client, ImageReference reference) {
        this.client = client;
        this.reference = reference;
    }

    @Override
    public StoredManifest top() throws IOException {
        return stored(client.fetchManifest(reference));
    }

    @Override
    public StoredManifest manifest(Descriptor descriptor) throws IOException {
        return stored(client.fetchManifest(reference.withDigest(descriptor.digest())));
    }

    private static StoredManifest stored(FetchedManifest m) {
        return new StoredManifest(m.digest(), m.mediaType(), m.bytes(), m.document());
    }

    @Override
    public byte[] smallBlob(Descriptor descriptor) throws IOException {
        return client.fetchBlob(reference, descriptor);
    }

    @Override
    public InputStream openStream(Descriptor d) {
        // The client verifies the digest at the end of the download; the pipe hands its failure to the reader.
        return BlobPipe.start("estargz-download-" + d.digest().hex().substring(0, 12),
                out -> client.streamBlob(reference, d.digest(), d.size(), out));
    }

    @Override
    public BlobSource openBlob(Descriptor descriptor) {
        return client.openBlob(reference, descriptor);
    }

    @Override
    public RegistryRepository registryRepository() {
        return new RegistryRepository(reference.registry(), reference.repository());
    }

    @Override
    public String toString() {
        return reference.toString();
    }
}
