package dev.estargz.fusefs.fs;

/** Where {@link LayerFileSystem#read} copies bytes: the FUSE buffer, or an array in tests. */
@FunctionalInterface
public interface ReadTarget {
    /** Copies {@code src[srcOffset, srcOffset + length)} to position {@code at} of the target. */
    void put(long at, byte[] src, int srcOffset, int length);
}
