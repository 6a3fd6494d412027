package dev.estargz.format.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.GZIPOutputStream;
import com.github.luben.zstd.ZstdOutputStream;

/** Builds tar streams in USTAR, PAX or GNU format for tests, the way Go's testutil builds them. */
public final class TestTar {
    /** Tar header flavours. */
    public enum Format { USTAR, PAX, GNU }

    /** Source compressions. */
    public enum Compression { PLAIN, GZIP, ZSTD }

    /** One entry to write. */
    public record Entry(String name, char type, byte[] content, String linkName, long mode, long uid, long gid,
            String uname, String gname, long mtime, int major, int minor, Map<String, byte[]> xattrs) {
        public Entry withOwner(long u, long g, String un, String gn) {
            return new Entry(name, type, content, linkName, mode, u, g, un, gn, mtime, major, minor, xattrs);
        }

        public Entry withMode(long m) {
            return new Entry(name, type, content, linkName, m, uid, gid, uname, gname, mtime, major, minor, xattrs);
        }

        public Entry withXattr(String k, byte[] v) {
            Map<String, byte[]> x = new TreeMap<>(xattrs);
            x.put(k, v);
            return new Entry(name, type, content, linkName, mode, uid, gid, uname, gname, mtime, major, minor, x);
        }

        public Entry withMtime(long t) {
            return new Entry(name, type, content, linkName, mode, uid, gid, uname, gname, t, major, minor, xattrs);
        }
    }

    private TestTar() {
    }

    private static Entry of(String name, char type, byte[] content, String link) {
        return new Entry(name, type, content, link, type == '5' ? 0755 : 0644, 0, 0, "", "", 1566297043L, 0, 0,
                new TreeMap<>());
    }

    public static Entry dir(String name) {
        return of(name, '5', new byte[0], "");
    }

    public static Entry file(String name, String content) {
        return of(name, '0', content.getBytes(StandardCharsets.UTF_8), "");
    }

    public static Entry file(String name, byte[] content) {
        return of(name, '0', content, "");
    }

    public static Entry symlink(String name, String target) {
        return of(name, '2', new byte[0], target);
    }

    /** A hardlink; the target gets the same prefix as the names. */
    public static Entry link(String name, String target) {
        return of(name, '1', new byte[0], target);
    }

    public static Entry chardev(String name, int major, int minor) {
        return device(name, '3', major, minor);
    }

    public static Entry blockdev(String name, int major, int minor) {
        return device(name, '4', major, minor);
    }

    private static Entry device(String name, char type, int major, int minor) {
        Entry e = of(name, type, new byte[0], "");
        return new Entry(e.name, e.type, e.content, e.linkName, e.mode, 0, 0, "", "", e.mtime, major, minor, e.xattrs);
    }

    public static Entry fifo(String name) {
        return of(name, '6', new byte[0], "");
    }

    /** The tar, with end-of-archive. Names (and hardlink targets) get {@code prefix}. */
    public static byte[] build(List<Entry> entries, String prefix, Format format) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Entry e : entries) {
            String name = prefix + e.name;
            String link = e.type == '1' ? prefix + e.linkName : e.linkName;
            writeEntry(out, e, name, link, format);
        }
        out.writeBytes(new byte[1024]);
        return out.toByteArray();
    }

    private static void writeEntry(ByteArrayOutputStream out, Entry e, String name, String link, Format format) {
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        byte[] linkBytes = link.getBytes(StandardCharsets.UTF_8);
        String headerName = name;
        String headerPrefix = "";
        switch (format) {
            case PAX -> {
                StringBuilder recs = new StringBuilder();
                ByteArrayOutputStream pax = new ByteArrayOutputStream();
                if (nameBytes.length > 100) {
                    record(pax, "path", nameBytes);
                    headerName = name.substring(0, 90);
                }
                if (linkBytes.length > 100) {
                    record(pax, "linkpath", linkBytes);
                    link = link.substring(0, 90);
                }
                for (Map.Entry<String, byte[]> x : e.xattrs.entrySet()) {
                    record(pax, "SCHILY.xattr." + x.getKey(), x.getValue());
                }
                if (pax.size() > 0 || recs.length() > 0) {
                    byte[] data = pax.toByteArray();
                    out.writeBytes(header("PaxHeaders.0/" + headerName.substring(0, Math.min(80, headerName.length())),
                            "", 'x', data.length, "", e, "ustar\u000000", 0, 0));
                    out.writeBytes(data);
                    out.writeBytes(new byte[pad(data.length)]);
                }
            }
            case GNU -> {
                if (nameBytes.length > 100) {
                    gnuLong(out, 'L', nameBytes);
                    headerName = name.substring(0, 100);
                }
                if (linkBytes.length > 100) {
                    gnuLong(out, 'K', linkBytes);
                    link = link.substring(0, 100);
                }
            }
            case USTAR -> {
                if (nameBytes.length > 100) {
                    int cut = name.lastIndexOf('/', 155);
                    headerPrefix = name.substring(0, cut);
                    headerName = name.substring(cut + 1);
                }
            }
        }
        String magic = format == Format.GNU ? "ustar  \u0000" : "ustar\u000000";
        long size = e.type == '0' ? e.content.length : 0;
        out.writeBytes(header(headerName, headerPrefix, e.type, size, link, e, magic, e.major, e.minor));
        if (e.type == '0') {
            out.writeBytes(e.content);
            out.writeBytes(new byte[pad(e.content.length)]);
        }
    }

    private static void gnuLong(ByteArrayOutputStream out, char type, byte[] value) {
        byte[] data = Arrays.copyOf(value, value.length + 1);
        Entry meta = of("././@LongLink", type, data, "");
        out.writeBytes(header("././@LongLink", "", type, data.length, "", meta, "ustar  \u0000", 0, 0));
        out.writeBytes(data);
        out.writeBytes(new byte[pad(data.length)]);
    }

    private static void record(ByteArrayOutputStream pax, String key, byte[] value) {
        byte[] kv = (" " + key + "=").getBytes(StandardCharsets.UTF_8);
        int len = kv.length + value.length + 1;
        int total = len + String.valueOf(len).length();
        if (String.valueOf(total).length() != String.valueOf(len).length()) {
            total++;
        }
        pax.writeBytes(String.valueOf(total).getBytes(StandardCharsets.US_ASCII));
        pax.writeBytes(kv);
        pax.writeBytes(value);
        pax.write('\n');
    }

    private static int pad(long n) {
        return (int) (-n & 511);
    }

    /** A raw 512-byte header; the size field may be anything (tests of hostile input use that). */
    public static byte[] header(String name, String prefix, char type, long size, String link, Entry e,
            String magic, int major, int minor) {
        byte[] b = new byte[512];
        put(b, 0, 100, name);
        octal(b, 100, 8, e.mode);
        octal(b, 108, 8, e.uid);
        octal(b, 116, 8, e.gid);
        if (size >= 077777777777L) {
            b[124] = (byte) 0x80;
            for (int i = 0; i < 8; i++) {
                b[135 - i] = (byte) (size >>> (8 * i));
            }
        } else {
            octal(b, 124, 12, size);
        }
        octal(b, 136, 12, e.mtime);
        b[156] = (byte) type;
        put(b, 157, 100, link);
        put(b, 257, 8, magic);
        put(b, 265, 32, e.uname);
        put(b, 297, 32, e.gname);
        octal(b, 329, 8, major);
        octal(b, 337, 8, minor);
        put(b, 345, 155, prefix);
        long sum = 0;
        for (int i = 0; i < 512; i++) {
            sum += (i >= 148 && i < 156) ? ' ' : (b[i] & 0xff);
        }
        octal(b, 148, 7, sum);
        b[155] = ' ';
        return b;
    }

    private static void put(byte[] b, int off, int len, String s) {
        byte[] v = s.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(v, 0, b, off, Math.min(len, v.length));
    }

    private static void octal(byte[] b, int off, int len, long v) {
        String s = String.format("%0" + (len - 1) + "o", v);
        put(b, off, len - 1, s);
    }

    /** Compresses a tar as a source layer would be. */
    public static byte[] compress(byte[] tar, Compression c) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        switch (c) {
            case PLAIN -> bos.writeBytes(tar);
            case GZIP -> {
                try (OutputStream z = new GZIPOutputStream(bos)) {
                    z.write(tar);
                }
            }
            case ZSTD -> {
                try (OutputStream z = new ZstdOutputStream(bos)) {
                    z.write(tar);
                }
            }
        }
        return bos.toByteArray();
    }
}
