package dev.estargz.format.tar;

import java.io.IOException;

/** An input tar that cannot be parsed, with the offset of the problem. */
public class TarFormatException extends IOException {
    private final long offset;

    public TarFormatException(long offset, String message) {
        super(message + " (at tar offset " + offset + ")");
        this.offset = offset;
    }

    /** Offset in the uncompressed tar where the problem is. */
    public long offset() {
        return offset;
    }
}
