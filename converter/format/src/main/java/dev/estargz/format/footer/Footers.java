package dev.estargz.format.footer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Writes the eStargz footer and recognises every footer layout from the tail of a blob.
 */
public final class Footers {
    /** The largest footer of any known layout: a tail this long is enough to recognise any of them. */
    public static final int MAX_SIZE = Footer.ContainersZstdChunked.SIZE;

    private static final byte[] GZIP_EXTRA_HEADER = {0x1f, (byte) 0x8b, 0x08, 0x04, 0, 0, 0, 0, 0, (byte) 0xff};
    private static final byte[] EMPTY_STORED_BLOCK_AND_TRAILER = {0x01, 0x00, 0x00, (byte) 0xff, (byte) 0xff,
            0, 0, 0, 0, 0, 0, 0, 0};
    private static final byte[] STARGZ = "STARGZ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] EXTERNAL_TOC = "STARGZEXTERNALTOC".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] STARGZ_ZSTD_MAGIC = "GnUlInUx".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CONTAINERS_ZSTD_MAGIC = "GNUlInUx".getBytes(StandardCharsets.US_ASCII);

    private Footers() {
    }

    /** The 51 bytes that end an eStargz blob whose TOC member starts at {@code tocOffset}. */
    public static byte[] estargz(long tocOffset) {
        if (tocOffset < 0) {
            throw new IllegalArgumentException("negative TOC offset " + tocOffset);
        }
        ByteBuffer b = ByteBuffer.allocate(Footer.EStargz.SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.put(GZIP_EXTRA_HEADER).putShort((short) 26).put((byte) 'S').put((byte) 'G').putShort((short) 22);
        b.put(String.format("%016x", tocOffset).getBytes(StandardCharsets.US_ASCII)).put(STARGZ);
        b.put(EMPTY_STORED_BLOCK_AND_TRAILER);
        return b.array();
    }

    /**
     * The 40-byte zstd:chunked footer payload stargz-snapshotter writes (inside a skippable frame): TOC offset
     * (after its skippable-frame header), compressed and uncompressed TOC length, manifest type 1, "GnUlInUx".
     */
    public static byte[] stargzZstdChunked(long tocOffset, long tocCompressedSize, long tocSize) {
        ByteBuffer b = ByteBuffer.allocate(Footer.StargzZstdChunked.SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(tocOffset).putLong(tocCompressedSize).putLong(tocSize).putLong(1).put(STARGZ_ZSTD_MAGIC);
        return b.array();
    }

    /** The 47-byte legacy stargz footer (written only by tests and old tools; we read it). */
    public static byte[] legacyStargz(long tocOffset) {
        ByteBuffer b = ByteBuffer.allocate(Footer.LegacyStargz.SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.put(GZIP_EXTRA_HEADER).putShort((short) 22);
        b.put(String.format("%016x", tocOffset).getBytes(StandardCharsets.US_ASCII)).put(STARGZ);
        b.put(EMPTY_STORED_BLOCK_AND_TRAILER);
        return b.array();
    }

    /**
     * Recognises the footer at the end of {@code tail} (the last bytes of a blob, at least the footer long),
     * trying eStargz, legacy stargz, external TOC, then both zstd:chunked layouts, as the reference does.
     *
     * @throws FooterException naming what each layout found wrong when none matches
     */
    public static Footer parse(byte[] tail) throws FooterException {
        List<String> problems = new ArrayList<>();
        Optional<Footer> f = parseEStargz(tail, problems)
                .or(() -> parseLegacy(tail, problems))
                .or(() -> parseExternalToc(tail, problems))
                .or(() -> parseStargzZstd(tail, problems))
                .or(() -> parseContainersZstd(tail, problems));
        if (f.isPresent()) {
            return f.get();
        }
        throw new FooterException("no eStargz, stargz or zstd:chunked footer found in the last "
                + Math.min(tail.length, MAX_SIZE) + " bytes: " + String.join("; ", problems));
    }

    private static Optional<Footer> parseEStargz(byte[] tail, List<String> problems) {
        byte[] p = last(tail, Footer.EStargz.SIZE);
        if (p == null) {
            problems.add("estargz: blob shorter than 51 bytes");
            return Optional.empty();
        }
        String why = checkGzipEnvelope(p, 26);
        if (why == null && (p[12] != 'S' || p[13] != 'G')) {
            why = "subfield ID is not 'SG'";
        }
        if (why == null && le16(p, 14) != 22) {
            why = "subfield length " + le16(p, 14) + " is not 22";
        }
        if (why != null) {
            problems.add("estargz: " + why);
            return Optional.empty();
        }
        return hexOffset(p, 16, problems, "estargz").map(Footer.EStargz::new);
    }

    private static Optional<Footer> parseLegacy(byte[] tail, List<String> problems) {
        byte[] p = last(tail, Footer.LegacyStargz.SIZE);
        if (p == null) {
            problems.add("legacy stargz: blob shorter than 47 bytes");
            return Optional.empty();
        }
        String why = checkGzipEnvelope(p, 22);
        if (why != null) {
            problems.add("legacy stargz: " + why);
            return Optional.empty();
        }
        return hexOffset(p, 12, problems, "legacy stargz").map(Footer.LegacyStargz::new);
    }

    private static Optional<Footer> parseExternalToc(byte[] tail, List<String> problems) {
        byte[] p = last(tail, Footer.ExternalToc.SIZE);
        if (p == null) {
            return Optional.empty();
        }
        if (checkGzipEnvelope(p, 21) == null && p[12] == 'S' && p[13] == 'G' && le16(p, 14) == 17
                && Arrays.equals(p, 16, 33, EXTERNAL_TOC, 0, EXTERNAL_TOC.length)) {
            return Optional.of(new Footer.ExternalToc());
        }
        return Optional.empty();
    }

    private static Optional<Footer> parseStargzZstd(byte[] tail, List<String> problems) {
        byte[] p = last(tail, Footer.StargzZstdChunked.SIZE);
        if (p == null || !Arrays.equals(p, 32, 40, STARGZ_ZSTD_MAGIC, 0, 8)) {
            return Optional.empty();
        }
        ByteBuffer b = ByteBuffer.wrap(p).order(ByteOrder.LITTLE_ENDIAN);
        return Optional.of(new Footer.StargzZstdChunked(b.getLong(0), b.getLong(8), b.getLong(16), b.getLong(24)));
    }

    private static Optional<Footer> parseContainersZstd(byte[] tail, List<String> problems) {
        byte[] p = last(tail, Footer.ContainersZstdChunked.SIZE);
        if (p == null || !Arrays.equals(p, 56, 64, CONTAINERS_ZSTD_MAGIC, 0, 8)) {
            return Optional.empty();
        }
        ByteBuffer b = ByteBuffer.wrap(p).order(ByteOrder.LITTLE_ENDIAN);
        return Optional.of(new Footer.ContainersZstdChunked(b.getLong(0), b.getLong(8), b.getLong(16),
                b.getLong(24), b.getLong(32), b.getLong(40), b.getLong(48)));
    }

    /** Checks the empty-gzip-member shape shared by the three gzip footers; null when it fits. */
    private static String checkGzipEnvelope(byte[] p, int xlen) {
        if (!Arrays.equals(p, 0, 4, GZIP_EXTRA_HEADER, 0, 4)) {
            return "no gzip header with FEXTRA";
        }
        if (le16(p, 10) != xlen) {
            return "extra field length " + le16(p, 10) + " is not " + xlen;
        }
        int end = p.length;
        if (!Arrays.equals(p, end - 13, end, EMPTY_STORED_BLOCK_AND_TRAILER, 0, 13)) {
            return "not an empty gzip member";
        }
        return null;
    }

    private static Optional<Long> hexOffset(byte[] p, int at, List<String> problems, String kind) {
        if (!Arrays.equals(p, at + 16, at + 22, STARGZ, 0, STARGZ.length)) {
            problems.add(kind + ": magic STARGZ not found");
            return Optional.empty();
        }
        long v = 0;
        for (int i = at; i < at + 16; i++) {
            int d = Character.digit(p[i], 16);
            if (d < 0) {
                problems.add(kind + ": TOC offset is not hexadecimal");
                return Optional.empty();
            }
            v = (v << 4) | d;
        }
        if (v < 0) {
            problems.add(kind + ": TOC offset overflows");
            return Optional.empty();
        }
        return Optional.of(v);
    }

    private static byte[] last(byte[] tail, int n) {
        return tail.length < n ? null : Arrays.copyOfRange(tail, tail.length - n, tail.length);
    }

    private static int le16(byte[] p, int at) {
        return (p[at] & 0xff) | (p[at + 1] & 0xff) << 8;
    }
}
