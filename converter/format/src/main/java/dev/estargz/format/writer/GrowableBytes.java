package dev.estargz.format.writer;

import java.io.OutputStream;
import java.util.Arrays;

/**
 * A byte array that grows and is kept from one batch of members to the next. Unlike a fresh
 * {@code ByteArrayOutputStream} per member, a reused buffer does not allocate (and zero, and page-fault in) a new
 * multi-megabyte array for every chunk, nor copy it again on {@code toByteArray}.
 */
final class GrowableBytes extends OutputStream {
    private byte[] buf;
    private int size;

    GrowableBytes(int initialCapacity) {
        buf = new byte[initialCapacity];
    }

    void reset() {
        size = 0;
    }

    /** Grows the content by {@code n} bytes (left as they are, to be filled by the caller); returns their start. */
    int extend(int n) {
        ensure(n);
        int at = size;
        size += n;
        return at;
    }

    private void ensure(int extra) {
        long need = (long) size + extra;
        if (need > Integer.MAX_VALUE - 16) {
            throw new IllegalStateException("member batch exceeds 2 GiB");
        }
        if (need > buf.length) {
            buf = Arrays.copyOf(buf, (int) Math.min(Integer.MAX_VALUE - 16, Math.max(need, 2L * buf.length)));
        }
    }

    @Override
    public void write(int b) {
        ensure(1);
        buf[size++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) {
        ensure(len);
        System.arraycopy(b, off, buf, size, len);
        size += len;
    }

    /** The backing array; valid up to {@link #size()} until the next write. */
    byte[] array() {
        return buf;
    }

    int size() {
        return size;
    }
}
