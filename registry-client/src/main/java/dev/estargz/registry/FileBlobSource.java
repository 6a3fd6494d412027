package dev.estargz.registry;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A {@link BlobSource} over a local file, read with positional reads so that it is safe to share between threads.
 */
public final class FileBlobSource implements BlobSource {
    private final Path path;
    private final FileChannel channel;
    private final long size;

    private FileBlobSource(Path path, FileChannel channel, long size) {
        this.path = path;
        this.channel = channel;
        this.size = size;
    }

    /** Opens {@code path} for reading; the file must not change while it is open. */
    public static FileBlobSource open(Path path) throws IOException {
        FileChannel ch = FileChannel.open(path, StandardOpenOption.READ);
        try {
            return new FileBlobSource(path, ch, ch.size());
        } catch (RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public byte[] read(ByteRange range) throws IOException {
        if (range.end() > size) {
            throw new EOFException(path + ": range " + range + " reaches past the end of the blob (" + size + " bytes)");
        }
        if (range.length() > Integer.MAX_VALUE - 8) {
            throw new IOException(path + ": range " + range + " is too large to read into memory");
        }
        ByteBuffer buf = ByteBuffer.allocate((int) range.length());
        long pos = range.offset();
        while (buf.hasRemaining()) {
            int n = channel.read(buf, pos);
            if (n < 0) {
                throw new EOFException(path + ": file shrank while reading " + range);
            }
            pos += n;
        }
        return buf.array();
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    @Override
    public String toString() {
        return "file " + path;
    }
}
