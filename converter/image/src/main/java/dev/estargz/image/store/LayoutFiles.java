package dev.estargz.image.store;

import dev.estargz.registry.BlobSource;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;

/** The files of an image layout, in a directory or inside a tar, addressed by their relative paths. */
interface LayoutFiles extends Closeable {
    /** True when the layout has a regular file at {@code path}. */
    boolean exists(String path) throws IOException;

    /** The size of the file at {@code path}. */
    long size(String path) throws IOException;

    /** A stream of the file at {@code path}. */
    InputStream open(String path) throws IOException;

    /** Random access to the file at {@code path}. */
    BlobSource openRandom(String path) throws IOException;

    /** Reads a small file whole; refuses files over {@code limit} bytes. */
    default byte[] readSmall(String path, int limit) throws IOException {
        long size = size(path);
        if (size > limit) {
            throw new IOException(this + ": " + path + " is " + size + " bytes, more than the limit of " + limit);
        }
        try (InputStream in = open(path)) {
            return in.readAllBytes();
        }
    }
}
