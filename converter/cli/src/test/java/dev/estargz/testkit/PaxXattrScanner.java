package dev.estargz.testkit;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads the raw bytes of PAX {@code SCHILY.xattr.*} records, one map per tar entry in order. commons-compress
 * decodes PAX values as UTF-8 and so replaces the bytes of binary attributes (capabilities, ACLs); a listing
 * that is to catch a converter doing the same must not share that loss.
 */
final class PaxXattrScanner {
    private static final String PREFIX = "SCHILY.xattr.";

    private PaxXattrScanner() {
    }

    /** One xattr map per real entry (PAX/GNU meta entries are not counted). */
    static List<Map<String, byte[]>> scan(InputStream tar) throws IOException {
        DataInputStream in = new DataInputStream(tar);
        List<Map<String, byte[]>> out = new ArrayList<>();
        Map<String, byte[]> pending = new TreeMap<>();
        long pendingSize = -1;
        byte[] header = new byte[512];
        while (true) {
            try {
                in.readFully(header);
            } catch (EOFException e) {
                return out;
            }
            if (isZero(header)) {
                return out;
            }
            byte type = header[156];
            long size = pendingSize >= 0 && type != 'x' && type != 'X' ? pendingSize : parseSize(header);
            if (type == 'x' || type == 'X') {
                byte[] body = new byte[Math.toIntExact(size)];
                in.readFully(body);
                skip(in, padding(size));
                pendingSize = parseRecords(body, pending);
                continue;
            }
            skip(in, size + padding(size));
            if (type == 'g' || type == 'L' || type == 'K') {
                continue;
            }
            out.add(pending);
            pending = new TreeMap<>();
            pendingSize = -1;
        }
    }

    /** Parses "LEN key=value\n" records; returns the PAX size override or -1. */
    private static long parseRecords(byte[] body, Map<String, byte[]> xattrs) {
        long size = -1;
        int pos = 0;
        while (pos < body.length) {
            int space = indexOf(body, (byte) ' ', pos);
            int len = Integer.parseInt(new String(body, pos, space - pos, StandardCharsets.US_ASCII));
            int eq = indexOf(body, (byte) '=', space + 1);
            String key = new String(body, space + 1, eq - space - 1, StandardCharsets.UTF_8);
            byte[] value = Arrays.copyOfRange(body, eq + 1, pos + len - 1);
            if (key.startsWith(PREFIX)) {
                xattrs.put(key.substring(PREFIX.length()), value);
            } else if (key.equals("size")) {
                size = Long.parseLong(new String(value, StandardCharsets.US_ASCII));
            }
            pos += len;
        }
        return size;
    }

    private static long parseSize(byte[] h) {
        if ((h[124] & 0x80) != 0) { // base-256, as GNU tar writes sizes of 8 GiB and more
            long v = 0;
            for (int i = 125; i < 136; i++) {
                v = (v << 8) | (h[i] & 0xff);
            }
            return v;
        }
        String octal = new String(h, 124, 12, StandardCharsets.US_ASCII).replace("\0", "").trim();
        return octal.isEmpty() ? 0 : Long.parseLong(octal, 8);
    }

    private static long padding(long size) {
        return (512 - size % 512) % 512;
    }

    private static void skip(DataInputStream in, long n) throws IOException {
        byte[] buf = new byte[8192];
        while (n > 0) {
            int r = in.read(buf, 0, (int) Math.min(buf.length, n));
            if (r < 0) {
                throw new EOFException("tar ends inside an entry");
            }
            n -= r;
        }
    }

    private static int indexOf(byte[] b, byte c, int from) {
        for (int i = from; i < b.length; i++) {
            if (b[i] == c) {
                return i;
            }
        }
        throw new IllegalArgumentException("malformed PAX record");
    }

    private static boolean isZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }
}
