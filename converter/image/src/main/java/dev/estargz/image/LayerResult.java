package dev.estargz.image;

import dev.estargz.registry.Digest;

/**
 * What happened to one source layer.
 *
 * @param tocDigest        null for layers kept as they are
 * @param diffId           the layer's diffID in the output image's config
 * @param uncompressedSize -1 when unknown (kept layers)
 * @param upload           PRESENT, MOUNTED or WRITTEN at the destination; null for foreign layers not copied
 */
public record LayerResult(Digest sourceDigest, long sourceSize, String sourceMediaType, Digest digest, long size,
                          Digest diffId, Digest tocDigest, long uncompressedSize, Action action, String upload,
                          long millis) {
    /** The closed set of things done to a layer. */
    public enum Action {
        /** Converted to the output format. */
        CONVERTED,
        /** Already in the output format (footer and TOC digest checked): kept byte for byte. */
        REUSED,
        /** Not a convertible layer (foreign or not a tar media type): kept byte for byte. */
        KEPT
    }
}
