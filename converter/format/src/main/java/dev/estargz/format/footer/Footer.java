package dev.estargz.format.footer;

/**
 * The fixed-size trailer of a lazily-pullable layer, which says where its TOC starts. One of the five layouts
 * the reference ecosystem writes; {@link Footers#parse} tells them apart.
 */
public sealed interface Footer {

    /** Bytes the footer occupies at the end of the blob. */
    int size();

    /** Short name for messages and {@code inspect}. */
    String kind();

    /** The 51-byte RFC 1952-compliant eStargz footer (an empty gzip member with an 'SG' extra subfield). */
    record EStargz(long tocOffset) implements Footer {
        public static final int SIZE = 51;

        @Override
        public int size() {
            return SIZE;
        }

        @Override
        public String kind() {
            return "estargz";
        }
    }

    /** The 47-byte footer of CRFS's original stargz (extra field without a subfield header). */
    record LegacyStargz(long tocOffset) implements Footer {
        public static final int SIZE = 47;

        @Override
        public int size() {
            return SIZE;
        }

        @Override
        public String kind() {
            return "stargz (legacy)";
        }
    }

    /** The 46-byte footer of an eStargz whose TOC lives in a separate image. */
    record ExternalToc() implements Footer {
        public static final int SIZE = 46;

        @Override
        public int size() {
            return SIZE;
        }

        @Override
        public String kind() {
            return "estargz with external TOC";
        }
    }

    /** The 40-byte zstd:chunked footer that stargz-snapshotter writes (magic "GnUlInUx"). */
    record StargzZstdChunked(long tocOffset, long tocCompressedSize, long tocSize, long manifestType)
            implements Footer {
        public static final int SIZE = 40;

        @Override
        public int size() {
            return SIZE;
        }

        @Override
        public String kind() {
            return "zstd:chunked (stargz-snapshotter)";
        }
    }

    /** The 64-byte zstd:chunked footer that current containers/storage writes (magic "GNUlInUx"). */
    record ContainersZstdChunked(long tocOffset, long tocCompressedSize, long tocSize, long manifestType,
            long tarSplitOffset, long tarSplitCompressedSize, long tarSplitSize) implements Footer {
        public static final int SIZE = 64;

        @Override
        public int size() {
            return SIZE;
        }

        @Override
        public String kind() {
            return "zstd:chunked (containers/storage)";
        }
    }
}
