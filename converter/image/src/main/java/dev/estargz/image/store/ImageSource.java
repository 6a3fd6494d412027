package dev.estargz.image.store;

import dev.estargz.registry.BlobSource;
import dev.estargz.registry.manifest.Descriptor;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;

/** Read access to one image (or index) and its blobs, wherever it is stored. */
public interface ImageSource extends Closeable {
    /** What the location names: an image manifest or an index. */
    StoredManifest top() throws IOException;

    /** A manifest or index that {@code top()} (or another index) refers to, verified against its digest. */
    StoredManifest manifest(Descriptor descriptor) throws IOException;

    /** A small blob (an image config) read whole and verified. */
    byte[] smallBlob(Descriptor descriptor) throws IOException;

    /**
     * A stream of a blob's bytes. The digest is verified as the stream is read: a mismatch shows up as an
     * IOException before end of stream, so a consumer that reads to the end never accepts wrong bytes.
     */
    InputStream openStream(Descriptor descriptor) throws IOException;

    /** Random access to a blob (for footers and TOCs, and for copying it to another store). */
    BlobSource openBlob(Descriptor descriptor) throws IOException;

    /** The registry repository this source reads from, for cross-repository mounts; null elsewhere. */
    default RegistryRepository registryRepository() {
        return null;
    }

    @Override
    default void close() throws IOException {
    }
}
