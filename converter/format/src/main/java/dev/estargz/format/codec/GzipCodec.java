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
        int pos = headerEnd(compressed, 0, compressed.length);
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

    /** Where the data of the gzip member whose header starts at {@code from} begins, validating the header. */
    private static int headerEnd(byte[] b, int from, int end) throws IOException {
        if (end - from < 10 || (b[from] & 0xff) != 0x1f || (b[from + 1] & 0xff) != 0x8b || b[from + 2] != 8) {
            throw new IOException("not a gzip member (bad magic)");
        }
        int flags = b[from + 3] & 0xff;
        int pos = from + 10;
        if ((flags & FEXTRA) != 0) {
            need(end, pos + 2);
            pos += 2 + ((b[pos] & 0xff) | (b[pos + 1] & 0xff) << 8);
        }
        if ((flags & FNAME) != 0) {
            pos = skipZeroTerminated(b, pos, end);
        }
        if ((flags & FCOMMENT) != 0) {
            pos = skipZeroTerminated(b, pos, end);
        }
        if ((flags & FHCRC) != 0) {
            pos += 2;
        }
        need(end, pos);
        return pos;
    }

    private static int skipZeroTerminated(byte[] b, int pos, int end) throws IOException {
        while (pos < end && b[pos] != 0) {
            pos++;
        }
        need(end, pos + 1);
        return pos + 1;
    }

    private static void need(int end, int n) throws IOException {
        if (end < n) {
            throw new EOFException("gzip header is truncated");
        }
    }

    /**
     * One gzip member inflated from a byte array, its CRC-32 and length counted so that {@link #finish} can check
     * them against the trailer. Owns an {@link Inflater}: close it.
     */
    private static final class CheckedMember implements AutoCloseable {
        private final Inflater inf = new Inflater(true);
        private final CRC32 crc = new CRC32();
        private final byte[] scratch = new byte[8192];
        private byte[] b;
        private int base;
        private int end;
        private int start;
        private long size;

        CheckedMember(byte[] b, int end) {
            input(b, 0, end);
        }

        /** Members are read from {@code b[base, end)} from now on. */
        CheckedMember input(byte[] b, int base, int end) {
            this.b = b;
            this.base = base;
            this.end = end;
            return this;
        }

        /** The current member, for messages: the range's first, or where it starts in the range. */
        private String member() {
            return start == base ? "gzip member" : "gzip member " + (start - base) + " bytes into the range";
        }

        /** Starts the member whose header is at {@code at}. */
        CheckedMember open(int at) throws IOException {
            start = at;
            int data = headerEnd(b, at, end);
            inf.reset();
            crc.reset();
            size = 0;
            inf.setInput(b, data, end - data);
            return this;
        }

        /** Up to {@code len} bytes of the member, 0 at its end. */
        int read(byte[] out, int off, int len) throws IOException {
            int n;
            try {
                n = inf.inflate(out, off, len);
                while (n == 0 && !inf.finished()) {
                    if (inf.needsInput() || inf.needsDictionary()) {
                        throw new EOFException(member() + " is truncated");
                    }
                    n = inf.inflate(out, off, len);
                }
            } catch (DataFormatException e) {
                throw new IOException("corrupt deflate data in the " + member() + ": "
                        + e.getMessage(), e);
            }
            crc.update(out, off, n);
            size += n;
            return n;
        }

        /** Fills {@code out[off, off + len)} from the member; fails when it ends first. */
        void readFully(byte[] out, int off, int len) throws IOException {
            int got = 0;
            while (got < len) {
                got += inflate(inf, out, off + got, len - got);
            }
            crc.update(out, off, len);
            size += len;
        }

        /**
         * Inflates what is left of the member and checks its trailer (CRC-32 and length mod 2^32, RFC 1952).
         *
         * @return where the next member starts
         */
        int finish() throws IOException {
            try {
                while (!inf.finished()) {
                    int n = inf.inflate(scratch);
                    if (n == 0 && (inf.needsInput() || inf.needsDictionary())) {
                        throw new EOFException(member() + " is truncated");
                    }
                    crc.update(scratch, 0, n);
                    size += n;
                }
            } catch (DataFormatException e) {
                throw new IOException("corrupt deflate data in the " + member() + ": "
                        + e.getMessage(), e);
            }
            int trailer = end - inf.getRemaining();
            if (end - trailer < 8) {
                throw new EOFException(member() + " has no trailer");
            }
            long wantCrc = le32(b, trailer);
            long wantSize = le32(b, trailer + 4);
            if (wantCrc != crc.getValue()) {
                throw new IOException(String.format("%s fails its CRC-32 check: trailer says %08x, data has %08x",
                        member(), wantCrc, crc.getValue()));
            }
            if (wantSize != (size & 0xffffffffL)) {
                throw new IOException(member() + " decompresses to " + size
                        + " bytes, its trailer says " + wantSize + " (mod 2^32)");
            }
            return trailer + 8;
        }

        @Override
        public void close() {
            inf.end();
        }
    }

    private static long le32(byte[] b, int at) {
        return (b[at] & 0xffL) | (b[at + 1] & 0xffL) << 8 | (b[at + 2] & 0xffL) << 16 | (b[at + 3] & 0xffL) << 24;
    }

    @Override
    public MemberChecker newMemberChecker() {
        return new Checker();
    }

    /** One inflater for every range it checks. */
    private static final class Checker implements MemberChecker {
        private final CheckedMember member = new CheckedMember(new byte[0], 0);

        /**
         * The member at {@code offset}, inflated as it is read; at its end its trailer is checked, and so is every
         * member after it, which must fill the range exactly.
         */
        @Override
        public InputStream open(byte[] compressed, int offset, int length) throws IOException {
            member.input(compressed, offset, offset + length).open(offset);
            return new MemberStream(member, Long.MAX_VALUE, offset + length, "the members", false);
        }

        @Override
        public void close() {
            member.close();
        }
    }

    /**
     * The JSON of the TOC member (a tar entry {@code stargz.index.json} at the member's start), inflated as it is
     * read. At its end the rest of the member is inflated and its trailer checked, and the member must end where
     * the region does.
     */
    @Override
    public InputStream openTocJson(byte[] tocRegion, long maxJsonSize) throws IOException {
        CheckedMember m = new CheckedMember(tocRegion, tocRegion.length);
        try {
            byte[] header = new byte[UstarHeader.BLOCK];
            m.open(0).readFully(header, 0, header.length);
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
            return new MemberStream(m, size, tocRegion.length, "the TOC member", true);
        } catch (IOException | RuntimeException e) {
            m.close();
            throw e;
        }
    }

    /**
     * Up to {@code limit} bytes of a member (all of it when the limit is not reached first); then the rest of it
     * is inflated, its trailer checked, and the members after it up to {@code end} checked the same way.
     */
    private static final class MemberStream extends InputStream {
        private final CheckedMember member;
        private final int end;
        private final String what;
        private final boolean limited;
        private final boolean ownsMember;
        private long left;
        private boolean checked;

        MemberStream(CheckedMember member, long limit, int end, String what, boolean ownsMember) {
            this.member = member;
            this.ownsMember = ownsMember;
            this.limited = limit != Long.MAX_VALUE;
            this.left = limit;
            this.end = end;
            this.what = what;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            if (left > 0 && !checked) {
                int n = member.read(buf, off, (int) Math.min(len, left));
                if (n > 0) {
                    left -= n;
                    return n;
                }
                if (limited) {
                    throw new EOFException("gzip member ends " + left + " bytes before the end of its tar entry");
                }
            }
            if (!checked) {
                checked = true;
                int next = member.finish();
                while (next < end && !limited) {
                    next = member.open(next).finish();
                }
                if (next != end) {
                    throw new IOException((end - next) + " bytes after " + what + " that are not part of it");
                }
            }
            return -1;
        }

        @Override
        public void close() {
            if (ownsMember) {
                member.close();
            }
        }
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
