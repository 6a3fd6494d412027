package dev.estargz.image.store;

import dev.estargz.registry.Digest;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;

/** Hashes a blob as it is read and fails at end of stream when it does not match its digest or size. */
final class VerifyingInputStream extends FilterInputStream {
    private final Digest expected;
    private final long size;
    private final String what;
    private final MessageDigest md;
    private long count;
    private boolean checked;

    VerifyingInputStream(InputStream in, Digest expected, long size, String what) {
        super(in);
        this.expected = expected;
        this.size = size;
        this.what = what;
        this.md = expected.newHasher();
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = in.read(b, off, len);
        if (n > 0) {
            md.update(b, off, n);
            count += n;
            if (count > size) {
                throw new IOException(what + ": blob " + expected + " is longer than its descriptor's " + size
                        + " bytes");
            }
        } else if (n < 0 && !checked) {
            checked = true;
            Digest actual = new Digest(expected.algorithm(), java.util.HexFormat.of().formatHex(md.digest()));
            if (count != size || !actual.equals(expected)) {
                throw new IOException(what + ": blob " + expected + " does not match its descriptor (read " + count
                        + " of " + size + " bytes, hashing to " + actual + ")");
            }
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        byte[] buf = new byte[(int) Math.min(n, 64 * 1024)];
        int r = read(buf, 0, buf.length);
        return Math.max(r, 0);
    }

    @Override
    public boolean markSupported() {
        return false;
    }
}
