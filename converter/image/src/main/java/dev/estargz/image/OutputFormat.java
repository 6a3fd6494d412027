package dev.estargz.image;

/** The lazily-pullable layer format a conversion writes. */
public enum OutputFormat {
    /** eStargz: gzip members, 51-byte footer, TOC digest annotation. */
    ESTARGZ,
    /**
     * zstd:chunked as stargz-snapshotter writes and reads it (40-byte footer, magic "GnUlInUx",
     * {@code io.containers.zstd-chunked.*} annotations). Current containers/storage writes a newer 64-byte variant;
     * it reads this one only as "unpredictable" content (REFERENCE.md §2.3).
     */
    ZSTD_CHUNKED
}
