package dev.estargz.format.tar;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Walks the headers of an uncompressed tar file (USTAR, PAX and GNU, including long names and base-256 numbers)
 * without reading payloads, recording where each entry's header blocks and payload are. Parsing follows Go's
 * archive/tar, which is what the reference reads tars with.
 */
public final class TarScanner {
    /** Largest PAX or GNU long-name payload accepted, as in Go's archive/tar. */
    static final int MAX_SPECIAL_SIZE = 1 << 20;
    private static final int BLOCK = UstarHeader.BLOCK;
    private static final String XATTR_PREFIX = "SCHILY.xattr.";

    private final FileChannel channel;
    private final long size;

    public TarScanner(FileChannel channel) throws IOException {
        this.channel = channel;
        this.size = channel.size();
    }

    /** Calls {@code sink} for every entry in order; stops at the end-of-archive blocks or at the end of the file. */
    public void scan(Consumer<TarRecord> sink) throws IOException {
        long pos = 0;
        byte[] block = new byte[BLOCK];
        while (true) {
            long headerStart = pos;
            Pending pending = new Pending();
            while (true) {
                if (pos == size) {
                    if (pending.any) {
                        throw new TarFormatException(pos, "truncated tar: extension header without an entry");
                    }
                    return; // Go accepts a tar that ends without end-of-archive blocks
                }
                readBlock(pos, block);
                if (isZero(block)) {
                    if (pending.any) {
                        throw new TarFormatException(pos, "zero block after an extension header");
                    }
                    if (pos + BLOCK == size) {
                        return;
                    }
                    readBlock(pos + BLOCK, block);
                    if (isZero(block)) {
                        return;
                    }
                    throw new TarFormatException(pos + BLOCK, "invalid tar header after a zero block");
                }
                verifyChecksum(block, pos);
                char flag = (char) (block[156] & 0xff);
                long entrySize = numeric(block, 124, 12, pos, "size");
                long afterHeader = pos + BLOCK;
                if (flag == 'x' || flag == 'g' || flag == 'L' || flag == 'K') {
                    if (entrySize < 0 || entrySize > MAX_SPECIAL_SIZE) {
                        throw new TarFormatException(pos, "extension header of " + entrySize + " bytes is too large");
                    }
                    byte[] data = read(afterHeader, (int) entrySize);
                    pos = afterHeader + roundUp(entrySize);
                    switch (flag) {
                        case 'x' -> pending.pax(data, pos);
                        case 'g' -> {
                            // Global headers are ignored, as Go's reader does; they stay out of the entry's bytes.
                            if (!pending.any) {
                                headerStart = pos;
                            }
                        }
                        case 'L' -> pending.longName = cString(data, 0, data.length);
                        default -> pending.longLink = cString(data, 0, data.length);
                    }
                    pending.any = flag != 'g' || pending.any;
                    continue;
                }
                TarRecord r = entry(block, pos, headerStart, afterHeader, entrySize, pending);
                long next = afterHeader + roundUp(r.payloadLength());
                if (r.payloadLength() > size - afterHeader) {
                    throw new TarFormatException(afterHeader, "truncated tar: entry \"" + r.name() + "\" needs "
                            + r.payloadLength() + " payload bytes but only " + (size - afterHeader) + " remain");
                }
                sink.accept(r);
                pos = Math.min(next, size);
                break;
            }
        }
    }

    private TarRecord entry(byte[] b, long pos, long headerStart, long dataOffset, long headerSize, Pending p)
            throws IOException {
        boolean ustar = Arrays.equals(b, 257, 263, "ustar\0".getBytes(StandardCharsets.US_ASCII), 0, 6);
        boolean gnu = Arrays.equals(b, 257, 265, "ustar  \0".getBytes(StandardCharsets.US_ASCII), 0, 8);
        String name = cString(b, 0, 100);
        if (ustar && b[345] != 0) {
            name = cString(b, 345, 155) + "/" + name;
        }
        if (p.longName != null) {
            name = p.longName;
        }
        if (p.path != null) {
            name = p.path;
        }
        char flag = (char) (b[156] & 0xff);
        if (flag == '\0') {
            flag = name.endsWith("/") ? TarRecord.DIR : TarRecord.REG;
        }
        if (name.isEmpty()) {
            throw new TarFormatException(pos, "tar entry with an empty name");
        }
        if (flag < TarRecord.REG || flag > TarRecord.FIFO) {
            String kind = flag == 'S' ? "GNU sparse file" : "tar entry type '" + printable(flag) + "'";
            throw new TarFormatException(pos, "unsupported " + kind + " for \"" + name + "\"");
        }
        String linkName = p.longLink != null ? p.longLink : cString(b, 157, 100);
        if (p.linkPath != null) {
            linkName = p.linkPath;
        }
        long size = p.size != null ? p.size : headerSize;
        if (size < 0) {
            throw new TarFormatException(pos, "negative size for \"" + name + "\"");
        }
        long mode = numeric(b, 100, 8, pos, "mode");
        long uid = p.uid != null ? p.uid : numeric(b, 108, 8, pos, "uid");
        long gid = p.gid != null ? p.gid : numeric(b, 116, 8, pos, "gid");
        long mtime = p.mtimeSeconds != null ? p.mtimeSeconds : numeric(b, 136, 12, pos, "mtime");
        int nanos = p.mtimeSeconds != null ? p.mtimeNanos : 0;
        String uname = (ustar || gnu) ? cString(b, 265, 32) : "";
        String gname = (ustar || gnu) ? cString(b, 297, 32) : "";
        if (p.uname != null) {
            uname = p.uname;
        }
        if (p.gname != null) {
            gname = p.gname;
        }
        int major = 0;
        int minor = 0;
        if (flag == TarRecord.CHAR || flag == TarRecord.BLOCK) {
            major = toInt(numeric(b, 329, 8, pos, "devmajor"), pos, "devmajor");
            minor = toInt(numeric(b, 337, 8, pos, "devminor"), pos, "devminor");
        }
        return new TarRecord(name, flag, linkName, mode, uid, gid, uname, gname, mtime, nanos, size, major, minor,
                p.xattrs == null ? Collections.emptySortedMap() : p.xattrs, headerStart, dataOffset);
    }

    private static String printable(char c) {
        return c >= 0x20 && c < 0x7f ? String.valueOf(c) : String.format("\\x%02x", (int) c);
    }

    private static int toInt(long v, long pos, String field) throws TarFormatException {
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw new TarFormatException(pos, field + " out of range: " + v);
        }
        return (int) v;
    }

    /** Extension-header values waiting for the entry they apply to. */
    private static final class Pending {
        boolean any;
        String longName;
        String longLink;
        String path;
        String linkPath;
        Long size;
        Long uid;
        Long gid;
        String uname;
        String gname;
        Long mtimeSeconds;
        int mtimeNanos;
        TreeMap<String, byte[]> xattrs;

        void pax(byte[] data, long pos) throws TarFormatException {
            int i = 0;
            while (i < data.length) {
                int sp = indexOf(data, (byte) ' ', i);
                if (sp < 0) {
                    throw new TarFormatException(pos, "malformed PAX record");
                }
                int len;
                try {
                    len = Integer.parseInt(new String(data, i, sp - i, StandardCharsets.US_ASCII));
                } catch (NumberFormatException e) {
                    throw new TarFormatException(pos, "malformed PAX record length");
                }
                int end = i + len;
                if (len <= sp - i + 1 || end > data.length || data[end - 1] != '\n') {
                    throw new TarFormatException(pos, "malformed PAX record");
                }
                int eq = indexOf(data, (byte) '=', sp + 1);
                if (eq < 0 || eq >= end) {
                    throw new TarFormatException(pos, "malformed PAX record (no '=')");
                }
                String key = new String(data, sp + 1, eq - sp - 1, StandardCharsets.UTF_8);
                byte[] raw = Arrays.copyOfRange(data, eq + 1, end - 1);
                apply(key, raw, pos);
                i = end;
            }
        }

        private void apply(String key, byte[] raw, long pos) throws TarFormatException {
            String v = new String(raw, StandardCharsets.UTF_8);
            try {
                switch (key) {
                    case "path" -> path = v;
                    case "linkpath" -> linkPath = v;
                    case "size" -> size = Long.parseLong(v);
                    case "uid" -> uid = Long.parseLong(v);
                    case "gid" -> gid = Long.parseLong(v);
                    case "uname" -> uname = v;
                    case "gname" -> gname = v;
                    case "mtime" -> {
                        BigDecimal t = new BigDecimal(v);
                        BigDecimal secs = t.setScale(0, RoundingMode.FLOOR);
                        mtimeSeconds = secs.longValueExact();
                        mtimeNanos = t.subtract(secs).movePointRight(9).setScale(0, RoundingMode.FLOOR).intValue();
                    }
                    default -> {
                        if (key.startsWith(XATTR_PREFIX)) {
                            if (xattrs == null) {
                                xattrs = new TreeMap<>(dev.estargz.format.toc.TocEntry.UTF8_ORDER);
                            }
                            xattrs.put(key.substring(XATTR_PREFIX.length()), raw);
                        } else if (key.startsWith("GNU.sparse.")) {
                            throw new TarFormatException(pos, "GNU sparse files are not supported");
                        }
                    }
                }
            } catch (NumberFormatException | ArithmeticException e) {
                throw new TarFormatException(pos, "invalid PAX value for " + key + ": " + v);
            }
            any = true;
        }
    }

    private static int indexOf(byte[] b, byte c, int from) {
        for (int i = from; i < b.length; i++) {
            if (b[i] == c) {
                return i;
            }
        }
        return -1;
    }

    private void readBlock(long pos, byte[] block) throws IOException {
        if (size - pos < BLOCK) {
            throw new TarFormatException(pos, "truncated tar header");
        }
        readFully(pos, ByteBuffer.wrap(block));
    }

    private byte[] read(long pos, int len) throws IOException {
        if (size - pos < len) {
            throw new TarFormatException(pos, "truncated tar extension header");
        }
        byte[] b = new byte[len];
        readFully(pos, ByteBuffer.wrap(b));
        return b;
    }

    private void readFully(long pos, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            int n = channel.read(buf, pos);
            if (n < 0) {
                throw new TarFormatException(pos, "unexpected end of tar");
            }
            pos += n;
        }
    }

    private static boolean isZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    private static void verifyChecksum(byte[] b, long pos) throws TarFormatException {
        long unsigned = 0;
        long signed = 0;
        for (int i = 0; i < BLOCK; i++) {
            int c = (i >= 148 && i < 156) ? ' ' : b[i];
            unsigned += c & 0xff;
            signed += (byte) c;
        }
        long want = numeric(b, 148, 8, pos, "checksum");
        if (want != unsigned && want != signed) {
            throw new TarFormatException(pos, "tar header checksum mismatch (not a tar, or corrupt)");
        }
    }

    /** Go's parseNumeric: base-256 when the high bit is set, otherwise octal padded with spaces or NULs. */
    static long numeric(byte[] b, int off, int len, long pos, String field) throws TarFormatException {
        if ((b[off] & 0x80) != 0) {
            int inv = (b[off] & 0x40) != 0 ? 0xff : 0;
            long x = 0;
            for (int i = 0; i < len; i++) {
                int c = (b[off + i] & 0xff) ^ inv;
                if (i == 0) {
                    c &= 0x7f;
                }
                if ((x >>> 56) != 0) {
                    throw new TarFormatException(pos, field + " overflows");
                }
                x = x << 8 | c;
            }
            if (x < 0) {
                throw new TarFormatException(pos, field + " overflows");
            }
            return inv == 0xff ? ~x : x;
        }
        int s = off;
        int e = off + len;
        while (s < e && (b[s] == ' ' || b[s] == 0)) {
            s++;
        }
        while (e > s && (b[e - 1] == ' ' || b[e - 1] == 0)) {
            e--;
        }
        long v = 0;
        for (int i = s; i < e; i++) {
            int c = b[i];
            if (c < '0' || c > '7' || (v >>> 60) != 0) {
                throw new TarFormatException(pos, "invalid " + field + " field in tar header");
            }
            v = v << 3 | (c - '0');
        }
        return v;
    }

    private static String cString(byte[] b, int off, int len) {
        int end = off;
        while (end < off + len && b[end] != 0) {
            end++;
        }
        return new String(b, off, end - off, StandardCharsets.UTF_8);
    }

    static long roundUp(long n) {
        return (n + BLOCK - 1) & ~(long) (BLOCK - 1);
    }
}
