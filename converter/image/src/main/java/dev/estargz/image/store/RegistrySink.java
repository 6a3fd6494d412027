package dev.estargz.image.store;

import dev.estargz.registry.BlobSource;
import dev.estargz.registry.Digest;
import dev.estargz.registry.FileBlobSource;
import dev.estargz.registry.RegistryClient;
import dev.estargz.registry.manifest.Descriptor;
import dev.estargz.registry.push.PushOutcome;
import dev.estargz.registry.reference.ImageReference;

import java.io.IOException;
import java.nio.file.Path;

/** A registry repository written through the registry client; the tag is pushed last by the caller. */
public final class RegistrySink implements ImageSink {
    private final RegistryClient client;
    private final ImageReference target;

    /** {@code target} must name a tag: a conversion makes new digests, so it cannot be pushed to a digest. */
    public RegistrySink(RegistryClient client, ImageReference target) {
        if (target.digest() != null) {
            throw new IllegalArgumentException("destination " + target + " names a digest; give a tag instead");
        }
        this.client = client;
        this.target = target;
    }

    @Override
    public boolean hasBlob(Digest digest) throws IOException {
        return client.blobExists(target, digest);
    }

    @Override
    public BlobOutcome putBlob(Descriptor descriptor, Path file) throws IOException {
        try (FileBlobSource content = FileBlobSource.open(file)) {
            return outcome(client.pushBlob(target, descriptor.digest(), content, null));
        }
    }

    @Override
    public BlobOutcome copyBlob(Descriptor descriptor, ImageSource source) throws IOException {
        RegistryRepository from = source.registryRepository();
        String mountFrom = from != null && from.registry().equals(target.registry()) ? from.repository() : null;
        try (BlobSource content = source.openBlob(descriptor)) {
            return outcome(client.pushBlob(target, descriptor.digest(), content, mountFrom));
        }
    }

    private static BlobOutcome outcome(PushOutcome o) {
        return switch (o) {
            case ALREADY_PRESENT -> BlobOutcome.PRESENT;
            case MOUNTED -> BlobOutcome.MOUNTED;
            case UPLOADED -> BlobOutcome.WRITTEN;
        };
    }

    @Override
    public void putManifest(Digest digest, byte[] bytes, String mediaType) throws IOException {
        client.pushManifest(target.withDigest(digest), bytes, mediaType);
    }

    @Override
    public void tag(Digest digest, byte[] bytes, String mediaType) throws IOException {
        client.pushManifest(target, bytes, mediaType);
    }

    @Override
    public String toString() {
        return target.toString();
    }
}
