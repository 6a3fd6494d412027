package dev.estargz.format.codec;

import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdInputStream;
import dev.estargz.format.footer.Footers;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * zstd:chunked members as stargz-snapshotter writes them: one zstd frame per member, the TOC JSON (not
 * tar-wrapped) zstd-compressed in a skippable frame, and the 40-byte "GnUlInUx" footer in another skippable frame
 * (REFERENCE.md §2.3). Skippable frames decompress to nothing, so the layer decompresses to the tar entries
 * without an end-of-archive, as the reference's does.
 */
public final class ZstdChunkedCodec implements MemberCodec {
    /** The reference's default level (klauspost SpeedDefault, which is zstd level 3). */
    public static final int DEFAULT_LEVEL = 3;
    /** The largest zstd level. */
    public static final int MAX_LEVEL = 22;
    private static final int SKIPPABLE_MAGIC = 0x184D2A50;

    @Override
    public String name() {
        return "zstd";
    }

    @Override
    public MemberEncoder newEncoder(int level) {
        if (level < -1 || level > MAX_LEVEL) {
            throw new IllegalArgumentException("zstd level must be 1.." + MAX_LEVEL + ", got " + level);
        }
        return new Encoder(level <= 0 ? DEFAULT_LEVEL : level);
    }

    @Override
    public byte[] readMember(byte[] compressed, long skip, int length) throws IOException {
        try (InputStream in = new ZstdInputStream(new ByteArrayInputStream(compressed))) {
            in.skipNBytes(skip);
            byte[] out = in.readNBytes(length);
            if (out.length != length) {
                throw new EOFException("zstd frame ends before the expected data (" + out.length + " of " + length
                        + " bytes)");
            }
            return out;
        } catch (IOException e) {
            throw e instanceof EOFException ? e : new IOException("corrupt zstd frame: " + e.getMessage(), e);
        }
    }

    /**
     * All the frames in the range as one stream: zstd frames carry a checksum only when the writer asked
     * for one (the decoder checks it then); the reference writes none, so what is checked is that they decode.
     */
    @Override
    public MemberChecker newMemberChecker() {
        return new MemberChecker() {
            @Override
            public InputStream open(byte[] compressed, int offset, int length) throws IOException {
                return new ZstdInputStream(new ByteArrayInputStream(compressed, offset, length));
            }

            @Override
            public void close() {
            }
        };
    }

    /** {@code tocRegion} is exactly the compressed TOC (the footer gives its length). */
    @Override
    public InputStream openTocJson(byte[] tocRegion, long maxJsonSize) throws IOException {
        InputStream zstd = new ZstdInputStream(new ByteArrayInputStream(tocRegion));
        return new java.io.FilterInputStream(zstd) {
            private long total;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n;
                try {
                    n = in.read(b, off, len);
                } catch (IOException e) {
                    throw new IOException("cannot decompress the zstd TOC: " + e.getMessage(), e);
                }
                if (n > 0) {
                    total += n;
                    if (total > maxJsonSize) {
                        throw new IOException("TOC JSON is more than the limit of " + maxJsonSize + " bytes");
                    }
                }
                return n;
            }
        };
    }

    /** The TOC is not wrapped in a tar: the compressed JSON is the whole TOC frame. */
    @Override
    public byte[] tocMemberContent(byte[] tocJson) {
        return tocJson;
    }

    /** Unused: the footer needs the TOC sizes, see {@link #trailer}. */
    @Override
    public byte[] footer(long tocOffset) {
        throw new UnsupportedOperationException("the zstd:chunked footer is written by trailer()");
    }

    @Override
    public Trailer trailer(byte[] tocJson, long tocOffset, MemberEncoder encoder) throws IOException {
        ByteArrayOutputStream c = new ByteArrayOutputStream();
        encoder.writeMember(new ByteArrayInputStream(tocJson), c);
        byte[] compressedToc = c.toByteArray();
        ByteArrayOutputStream out = new ByteArrayOutputStream(compressedToc.length + 64);
        skippable(out, compressedToc);
        // The TOC starts after the skippable frame's 8-byte header.
        skippable(out, Footers.stargzZstdChunked(tocOffset + 8, compressedToc.length, tocJson.length));
        return new Trailer(out.toByteArray(), new byte[0]);
    }

    private static void skippable(ByteArrayOutputStream out, byte[] content) {
        le32(out, SKIPPABLE_MAGIC);
        le32(out, content.length);
        out.writeBytes(content);
    }

    private static void le32(ByteArrayOutputStream out, int v) {
        out.write(v);
        out.write(v >>> 8);
        out.write(v >>> 16);
        out.write(v >>> 24);
    }

    /** One thread's zstd context; each member is one complete frame. Members are at most a chunk plus headers. */
    private static final class Encoder implements MemberEncoder {
        private final ZstdCompressCtx ctx = new ZstdCompressCtx();

        Encoder(int level) {
            ctx.setLevel(level);
            ctx.setContentSize(true);
        }

        @Override
        public void writeMember(InputStream src, OutputStream dst) throws IOException {
            dst.write(ctx.compress(src.readAllBytes()));
        }

        @Override
        public void close() {
            ctx.close();
        }
    }
}
