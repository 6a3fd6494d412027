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
     * As {@link #read(ByteRange)}, telling {@code arrivals} how much of the range is in while the bytes come, so that
     * a reader can use the front of a large range before its end has arrived. The default tells it once, at the end.
     */
    default byte[] read(ByteRange range, Arrivals arrivals) throws IOException {
        byte[] b = read(range);
        arrivals.arrived(b, b.length);
        return b;
    }

    /**
     * Told, while a range is read, that its first {@code filled} bytes are in {@code data} (from the range's start).
     * Calls come with growing {@code filled} on the reading thread; a request tried again starts over with a new
     * array, so the bytes a call shows are never changed later, but may be shown again. Must not throw: a failure of
     * the listener is not a failure of the read.
     */
    @FunctionalInterface
    interface Arrivals {
        void arrived(byte[] data, int filled);
    }

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
