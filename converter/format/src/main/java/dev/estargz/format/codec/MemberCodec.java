package dev.estargz.format.codec;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * How one independently decompressible member of a layer is encoded: gzip members for eStargz, zstd frames for
 * zstd:chunked, so that the reader and writer keep one code path for both.
 */
public sealed interface MemberCodec permits GzipCodec, ZstdChunkedCodec {

    /** Short name, e.g. {@code gzip}. */
    String name();

    /** An encoder for one thread; reuse it for many members, close it when the thread is done. */
    MemberEncoder newEncoder(int level);

    /**
     * Decompresses the member at the start of {@code compressed}, skips {@code skip} uncompressed bytes and
     * returns exactly {@code length} bytes.
     *
     * @throws IOException when the member is malformed or shorter than {@code skip + length}
     */
    byte[] readMember(byte[] compressed, long skip, int length) throws IOException;

    /** Decompresses members for verification, one range after another; for one thread. */
    MemberChecker newMemberChecker();

    /** Checks members with state (an inflater) reused from one range to the next. Close it. */
    interface MemberChecker extends AutoCloseable {
        /**
         * The uncompressed bytes of the member at {@code compressed[offset]}, as a stream that, when read to its
         * end, has also decompressed every member after it up to {@code offset + length} (which must hold whole
         * members only) and checked each as far as the codec can (gzip: the CRC-32 and length trailer). Memory
         * does not grow with the members' sizes. Read it to its end or drop it before the next {@code open}.
         */
        InputStream open(byte[] compressed, int offset, int length) throws IOException;

        @Override
        void close();
    }

    /**
     * The TOC JSON in the bytes between the TOC offset and the footer, decompressed as it is read; an
     * IOException from the stream means the TOC member is corrupt. Close it.
     *
     * @param maxJsonSize the largest TOC accepted; bigger ones are refused before they are inflated
     */
    InputStream openTocJson(byte[] tocRegion, long maxJsonSize) throws IOException;

    /** The whole TOC JSON of {@link #openTocJson}. */
    default byte[] readTocJson(byte[] tocRegion, long maxJsonSize) throws IOException {
        try (InputStream in = openTocJson(tocRegion, maxJsonSize)) {
            return in.readAllBytes();
        }
    }

    /** The uncompressed content of the TOC member (gzip: a tar entry {@code stargz.index.json} + end of archive). */
    byte[] tocMemberContent(byte[] tocJson);

    /** The footer that ends a blob whose TOC member starts at {@code tocOffset}. */
    byte[] footer(long tocOffset);

    /**
     * What ends a blob after its last data member: the TOC (at {@code tocOffset}) and the footer.
     *
     * @param bytes        the compressed bytes to append
     * @param uncompressed what they decompress to (part of the diffID)
     */
    record Trailer(byte[] bytes, byte[] uncompressed) {
    }

    /** The TOC and footer for {@code tocJson}, compressed with {@code encoder}; gzip: a tar-wrapped TOC member. */
    default Trailer trailer(byte[] tocJson, long tocOffset, MemberEncoder encoder) throws IOException {
        byte[] content = tocMemberContent(tocJson);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        encoder.writeMember(new java.io.ByteArrayInputStream(content), out);
        out.writeBytes(footer(tocOffset));
        return new Trailer(out.toByteArray(), content);
    }

    /** Compresses one member at a time with a fixed level; deterministic, so output never depends on threads. */
    interface MemberEncoder extends AutoCloseable {
        /** Compresses everything {@code in} yields as one complete member written to {@code out}. */
        void writeMember(InputStream in, OutputStream out) throws IOException;

        @Override
        void close();
    }
}
