package dev.estargz.format.tar;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Tar blocks that the writer makes itself (landmarks, the TOC entry, the end of the archive), byte for byte as
 * Go's archive/tar writes a {@code Header{Typeflag: '0', Name, Size}}: USTAR, mode/uid/gid/mtime all zero.
 */
public final class UstarHeader {
    /** Size of one tar block. */
    public static final int BLOCK = 512;

    private UstarHeader() {
    }

    /** The 512-byte USTAR header of a regular file with all metadata zero. */
    public static byte[] regularFile(String name, long size) {
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        if (nameBytes.length > 100) {
            throw new IllegalArgumentException("name too long for a plain USTAR header: " + name);
        }
        byte[] b = new byte[BLOCK];
        System.arraycopy(nameBytes, 0, b, 0, nameBytes.length);
        octal(b, 100, 8, 0); // mode
        octal(b, 108, 8, 0); // uid
        octal(b, 116, 8, 0); // gid
        octal(b, 124, 12, size);
        octal(b, 136, 12, 0); // mtime
        b[156] = '0';
        System.arraycopy("ustar\u000000".getBytes(StandardCharsets.US_ASCII), 0, b, 257, 8);
        octal(b, 329, 8, 0); // devmajor
        octal(b, 337, 8, 0); // devminor
        long sum = 0;
        for (int i = 0; i < BLOCK; i++) {
            sum += (i >= 148 && i < 156) ? ' ' : (b[i] & 0xff);
        }
        octal(b, 148, 7, sum);
        b[155] = ' ';
        return b;
    }

    /** Zero bytes that pad a payload of {@code size} bytes to a whole block. */
    public static int padding(long size) {
        return (int) (-size & (BLOCK - 1));
    }

    /** The two zero blocks that end a tar archive. */
    public static byte[] endOfArchive() {
        return new byte[2 * BLOCK];
    }

    private static void octal(byte[] b, int off, int len, long v) {
        String s = Long.toOctalString(v);
        if (s.length() > len - 1) {
            throw new IllegalArgumentException("value " + v + " does not fit an octal field of " + len);
        }
        Arrays.fill(b, off, off + len - 1 - s.length(), (byte) '0');
        byte[] digits = s.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(digits, 0, b, off + len - 1 - digits.length, digits.length);
        b[off + len - 1] = 0;
    }
}
