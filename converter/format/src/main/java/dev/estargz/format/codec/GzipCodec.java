package dev.estargz.format.codec;

import dev.estargz.format.footer.Footers;
import dev.estargz.format.tar.UstarHeader;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * gzip members as eStargz uses them. Headers are the bytes Go's {@code gzip.NewWriterLevel} writes
 * ({@code 1f 8b 08 00}, MTIME 0, XFL by level, OS 255); the deflate stream is zlib's, not Go's.
 */
public final class GzipCodec implements MemberCodec {
    /** The reference's default level (gzip.BestCompression). */
    public static final int DEFAULT_LEVEL = 9;
    /** Name of the TOC's tar entry. */
    public static final String TOC_TAR_NAME = "stargz.index.json";

    private static final int FHCRC = 2;
    private static final int FEXTRA = 4;
    private static final int FNAME = 8;
    private static final int FCOMMENT = 16;

    @Override
    public String name() {
        return "gzip";
    }

    @Override
    public MemberEncoder newEncoder(int level) {
        if (level < -1 || level > 9) {
            throw new IllegalArgumentException("gzip level must be -1..9, got " + level);
        }
        return new Encoder(level);
    }

    @Override
    public byte[] readMember(byte[] compressed, long skip, int length) throws IOException {
        int pos = headerLength(compressed);
        Inflater inf = new Inflater(true);
        try {
            inf.setInput(compressed, pos, compressed.length - pos);
            byte[] out = new byte[length];
            byte[] scratch = skip > 0 ? new byte[(int) Math.min(skip, 64 * 1024)] : null;
            long toSkip = skip;
            while (toSkip > 0) {
                int n = inflate(inf, scratch, 0, (int) Math.min(toSkip, scratch.length));
                toSkip -= n;
            }
            int got = 0;
            while (got < length) {
                got += inflate(inf, out, got, length - got);
            }
            return out;
        } finally {
            inf.end();
        }
    }

    private static int inflate(Inflater inf, byte[] buf, int off, int len) throws IOException {
        try {
            int n = inf.inflate(buf, off, len);
            if (n == 0 && (inf.finished() || inf.needsInput() || inf.needsDictionary())) {
                throw new EOFException("gzip member ends before the expected data");
            }
            return n;
        } catch (DataFormatException e) {
            throw new IOException("corrupt deflate data: " + e.getMessage(), e);
        }
    }

    /** Length of the gzip member header at the start of {@code b}, validating it. */
    static int headerLength(byte[] b) throws IOException {
        if (b.length < 10 || (b[0] & 0xff) != 0x1f || (b[1] & 0xff) != 0x8b || b[2] != 8) {
            throw new IOException("not a gzip member (bad magic)");
        }
        int flags = b[3] & 0xff;
        int pos = 10;
        if ((flags & FEXTRA) != 0) {
            need(b, pos + 2);
            pos += 2 + ((b[pos] & 0xff) | (b[pos + 1] & 0xff) << 8);
        }
        if ((flags & FNAME) != 0) {
            pos = skipZeroTerminated(b, pos);
        }
        if ((flags & FCOMMENT) != 0) {
            pos = skipZeroTerminated(b, pos);
        }
        if ((flags & FHCRC) != 0) {
            pos += 2;
        }
        need(b, pos);
        return pos;
    }

    private static int skipZeroTerminated(byte[] b, int pos) throws IOException {
        while (pos < b.length && b[pos] != 0) {
            pos++;
        }
        need(b, pos + 1);
        return pos + 1;
    }

    private static void need(byte[] b, int n) throws IOException {
        if (b.length < n) {
            throw new EOFException("gzip header is truncated");
        }
    }

    @Override
    public byte[] readTocJson(byte[] tocRegion, long maxJsonSize) throws IOException {
        // The TOC tar entry starts the member: one 512-byte header, then the JSON.
        byte[] header = readMember(tocRegion, 0, UstarHeader.BLOCK);
        String name = cString(header, 0, 100);
        if (header[345] != 0 && isUstar(header)) {
            name = cString(header, 345, 155) + "/" + name;
        }
        if (!TOC_TAR_NAME.equals(name)) {
            throw new IOException("TOC tar entry is named \"" + name + "\", expected \"" + TOC_TAR_NAME + "\"");
        }
        long size = parseOctal(header, 124, 12);
        if (size < 0) {
            throw new IOException("TOC tar entry has an invalid size field");
        }
        if (size > maxJsonSize) {
            throw new IOException("TOC JSON is " + size + " bytes, more than the limit of " + maxJsonSize);
        }
        byte[] both = readMember(tocRegion, 0, UstarHeader.BLOCK + (int) size);
        byte[] json = new byte[(int) size];
        System.arraycopy(both, UstarHeader.BLOCK, json, 0, json.length);
        return json;
    }

    private static boolean isUstar(byte[] h) {
        return h[257] == 'u' && h[258] == 's' && h[259] == 't' && h[260] == 'a' && h[261] == 'r' && h[262] == 0;
    }

    private static String cString(byte[] b, int off, int len) {
        int end = off;
        while (end < off + len && b[end] != 0) {
            end++;
        }
        return new String(b, off, end - off, StandardCharsets.UTF_8);
    }

    private static long parseOctal(byte[] b, int off, int len) {
        long v = 0;
        boolean any = false;
        for (int i = off; i < off + len; i++) {
            int c = b[i] & 0xff;
            if (c == 0 || c == ' ') {
                if (any) {
                    break;
                }
                continue;
            }
            if (c < '0' || c > '7' || v > (Long.MAX_VALUE >> 3)) {
                return -1;
            }
            v = v * 8 + (c - '0');
            any = true;
        }
        return v;
    }

    @Override
    public byte[] tocMemberContent(byte[] tocJson) {
        byte[] header = UstarHeader.regularFile(TOC_TAR_NAME, tocJson.length);
        byte[] out = new byte[header.length + tocJson.length + UstarHeader.padding(tocJson.length)
                + 2 * UstarHeader.BLOCK];
        System.arraycopy(header, 0, out, 0, header.length);
        System.arraycopy(tocJson, 0, out, header.length, tocJson.length);
        return out; // the rest is zeros: padding and the end-of-archive blocks
    }

    @Override
    public byte[] footer(long tocOffset) {
        return Footers.estargz(tocOffset);
    }

    /** One thread's deflater, reset between members so each member is compressed from a clean state. */
    private static final class Encoder implements MemberEncoder {
        private final int level;
        private final Deflater deflater;
        private final CRC32 crc = new CRC32();
        private final byte[] in = new byte[64 * 1024];
        private final byte[] out = new byte[64 * 1024];

        Encoder(int level) {
            this.level = level;
            this.deflater = new Deflater(level, true);
        }

        @Override
        public void writeMember(InputStream src, OutputStream dst) throws IOException {
            deflater.reset();
            crc.reset();
            dst.write(header());
            long total = 0;
            int n;
            while ((n = src.read(in)) > 0) {
                crc.update(in, 0, n);
                total += n;
                deflater.setInput(in, 0, n);
                while (!deflater.needsInput()) {
                    drain(dst);
                }
            }
            deflater.finish();
            while (!deflater.finished()) {
                drain(dst);
            }
            long c = crc.getValue();
            dst.write(new byte[] {(byte) c, (byte) (c >> 8), (byte) (c >> 16), (byte) (c >> 24),
                    (byte) total, (byte) (total >> 8), (byte) (total >> 16), (byte) (total >> 24)});
        }

        private void drain(OutputStream dst) throws IOException {
            int m = deflater.deflate(out, 0, out.length, Deflater.NO_FLUSH);
            if (m > 0) {
                dst.write(out, 0, m);
            }
        }

        private byte[] header() {
            // Go sets XFL from the level: 2 for BestCompression, 4 for BestSpeed, 0 otherwise.
            byte xfl = (byte) (level == 9 ? 2 : level == 1 ? 4 : 0);
            return new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, xfl, (byte) 0xff};
        }

        @Override
        public void close() {
            deflater.end();
        }
    }
}
