package dev.estargz.registry;

import java.io.Closeable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Random access to the bytes of one immutable blob: the seam every reader of a layer goes through,
 * whether the blob sits in a local file or in a registry.
 */
public interface BlobSource extends Closeable {

    /** The blob's total size in bytes. */
    long size() throws IOException;

    /**
     * Reads exactly {@code range.length()} bytes at {@code range.offset()}.
     *
     * @throws java.io.EOFException when the range reaches past the end of the blob
     */
    byte[] read(ByteRange range) throws IOException;

    /**
     * Reads several ranges, in the order given. Remote implementations may fetch them in one request;
     * the default reads them one by one.
     */
    default List<byte[]> readAll(List<ByteRange> ranges) throws IOException {
        List<byte[]> out = new ArrayList<>(ranges.size());
        for (ByteRange r : ranges) {
            out.add(read(r));
        }
        return out;
    }

    @Override
    default void close() throws IOException {
    }
}
