package dev.estargz.image.store;

import dev.estargz.registry.Digest;
import dev.estargz.registry.manifest.Descriptor;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Write access to a place images are stored. Callers write every blob, then child manifests, then {@link #tag}
 * last, so the name never points at an image whose parts are missing.
 */
public interface ImageSink extends Closeable {
    /** What happened to one blob. */
    enum BlobOutcome {
        /** It was there already. */
        PRESENT,
        /** It was mounted from another repository of the same registry. */
        MOUNTED,
        /** Its bytes were written. */
        WRITTEN
    }

    /** True when the store holds blob {@code digest}. */
    boolean hasBlob(Digest digest) throws IOException;

    /** Stores the blob in {@code file} (already verified to hash to {@code descriptor.digest()}). */
    BlobOutcome putBlob(Descriptor descriptor, Path file) throws IOException;

    /** Stores a blob of {@code source} unchanged: nothing when present, a mount when possible, else a copy. */
    BlobOutcome copyBlob(Descriptor descriptor, ImageSource source) throws IOException;

    /** Stores a manifest or index by digest only (no name points at it yet). */
    void putManifest(Digest digest, byte[] bytes, String mediaType) throws IOException;

    /** Points the destination's name at this manifest or index: the last step of a conversion. */
    void tag(Digest digest, byte[] bytes, String mediaType) throws IOException;

    @Override
    default void close() throws IOException {
    }
}
