package dev.estargz.image;

/** The layer descriptor annotations that carry lazy-pull metadata (REFERENCE.md §2.8). */
public final class LayerAnnotations {
    /** Digest of the TOC JSON; containerd passes it to the snapshotter as a label. */
    public static final String TOC_DIGEST = "containerd.io/snapshot/stargz/toc.digest";
    /** Decimal size of the decompressed blob, needed by Stargz Store (CRI-O, Podman). */
    public static final String UNCOMPRESSED_SIZE = "io.containers.estargz.uncompressed-size";
    /** zstd:chunked (stargz variant): digest of the compressed TOC. */
    public static final String ZSTD_MANIFEST_CHECKSUM = "io.containers.zstd-chunked.manifest-checksum";
    /** zstd:chunked (stargz variant): {@code offset:compressedLength:length:1} of the TOC. */
    public static final String ZSTD_MANIFEST_POSITION = "io.containers.zstd-chunked.manifest-position";

    private LayerAnnotations() {
    }
}
