package dev.estargz.registry;

/**
 * A half-open range {@code [offset, offset + length)} of bytes within a blob.
 */
public record ByteRange(long offset, long length) {
    public ByteRange {
        if (offset < 0 || length < 0) {
            throw new IllegalArgumentException("negative range: offset=" + offset + " length=" + length);
        }
        if (offset + length < offset) {
            throw new IllegalArgumentException("range overflows: offset=" + offset + " length=" + length);
        }
    }

    /** The first offset past the range. */
    public long end() {
        return offset + length;
    }

    @Override
    public String toString() {
        return "[" + offset + ", " + end() + ")";
    }
}
