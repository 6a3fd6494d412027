package dev.estargz.format.testing;

import dev.estargz.format.codec.GzipCodec;
import dev.estargz.format.codec.MemberCodec;
import dev.estargz.format.footer.Footers;
import dev.estargz.registry.BlobSource;
import dev.estargz.registry.ByteRange;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import java.util.zip.DataFormatException;
import java.util.zip.GZIPInputStream;
import java.util.zip.Inflater;

/** Looks inside eStargz blobs for tests: member boundaries, the decompressed stream, TOC rewriting. */
public final class Blobs {
    private Blobs() {
    }

    /** Offsets at which the blob's gzip members start (the footer member included). */
    public static List<Long> memberOffsets(byte[] blob) throws IOException {
        List<Long> out = new ArrayList<>();
        int pos = 0;
        while (pos < blob.length) {
            out.add((long) pos);
            int flags = blob[pos + 3] & 0xff;
            if ((blob[pos] & 0xff) != 0x1f || (blob[pos + 1] & 0xff) != 0x8b) {
                throw new IOException("no gzip member at " + pos);
            }
            int p = pos + 10;
            if ((flags & 4) != 0) {
                p += 2 + ((blob[p] & 0xff) | (blob[p + 1] & 0xff) << 8);
            }
            Inflater inf = new Inflater(true);
            inf.setInput(blob, p, blob.length - p);
            byte[] sink = new byte[65536];
            try {
                while (!inf.finished()) {
                    if (inf.inflate(sink) == 0 && inf.needsInput()) {
                        throw new EOFException("member at " + pos + " is truncated");
                    }
                }
            } catch (DataFormatException e) {
                throw new IOException(e);
            }
            pos = blob.length - inf.getRemaining() + 8;
            inf.end();
        }
        return out;
    }

    /** The whole blob decompressed (all members concatenated). */
    public static byte[] decompress(byte[] blob) throws IOException {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(blob))) {
            return in.readAllBytes();
        }
    }

    /** The TOC JSON of a blob we wrote, as stored. */
    public static String tocJson(byte[] blob, long tocOffset) throws IOException {
        byte[] region = Arrays.copyOfRange(blob, (int) tocOffset, blob.length - 51);
        return new String(new GzipCodec().readTocJson(region, 1 << 30), StandardCharsets.UTF_8);
    }

    /** The blob with its TOC replaced by {@code rewrite(json)} (same members before it, new TOC and footer). */
    public static byte[] rewriteToc(byte[] blob, long tocOffset, UnaryOperator<String> rewrite) throws IOException {
        String json = rewrite.apply(tocJson(blob, tocOffset));
        return withToc(Arrays.copyOf(blob, (int) tocOffset), json.getBytes(StandardCharsets.UTF_8));
    }

    /** Appends a TOC member holding {@code json} and a footer to {@code payload}. */
    public static byte[] withToc(byte[] payload, byte[] json) throws IOException {
        MemberCodec codec = new GzipCodec();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(payload);
        try (MemberCodec.MemberEncoder enc = codec.newEncoder(9)) {
            enc.writeMember(new ByteArrayInputStream(codec.tocMemberContent(json)), out);
        }
        out.writeBytes(Footers.estargz(payload.length));
        return out.toByteArray();
    }

    /** An in-memory BlobSource that counts reads. */
    public static final class CountingSource implements BlobSource {
        private final byte[] data;
        private final AtomicInteger reads = new AtomicInteger();

        public CountingSource(byte[] data) {
            this.data = data;
        }

        @Override
        public long size() {
            return data.length;
        }

        @Override
        public byte[] read(ByteRange r) throws IOException {
            reads.incrementAndGet();
            if (r.end() > data.length) {
                throw new EOFException("range " + r + " past end " + data.length);
            }
            return Arrays.copyOfRange(data, (int) r.offset(), (int) r.end());
        }

        public int reads() {
            return reads.get();
        }

        @Override
        public String toString() {
            return "test blob";
        }
    }
}
