package dev.estargz.testkit;

import dev.estargz.registry.BlobSource;
import dev.estargz.registry.ByteRange;

import java.io.EOFException;
import java.util.Arrays;

/** A {@link BlobSource} over a byte array, for pushing test content. */
public record InMemoryBlob(byte[] bytes) implements BlobSource {
    @Override
    public long size() {
        return bytes.length;
    }

    @Override
    public byte[] read(ByteRange range) throws EOFException {
        if (range.end() > bytes.length) {
            throw new EOFException("range " + range + " past " + bytes.length + " bytes");
        }
        return Arrays.copyOfRange(bytes, (int) range.offset(), (int) range.end());
    }
}
