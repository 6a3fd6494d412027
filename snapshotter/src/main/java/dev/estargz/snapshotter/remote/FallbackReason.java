package dev.estargz.snapshotter.remote;

import java.util.Locale;

/** Why a layer was not pulled lazily; the metric label of the fallback counter. */
public enum FallbackReason {
    /** No remote layer filesystem is configured in this daemon. */
    NOT_CONFIGURED,
    /** The labels lack the image reference or layer digest, or they do not parse. */
    MISSING_LABELS,
    /** The blob has no eStargz / zstd:chunked footer and TOC. */
    NOT_ESTARGZ,
    /** No TOC digest label was passed and verification is required. */
    TOC_DIGEST_MISSING,
    /** The TOC does not hash to the digest in the labels. */
    TOC_DIGEST_MISMATCH,
    /** The registry could not be reached or refused the request (auth, 404, ...). */
    REGISTRY_ERROR,
    /** Resolving the layer took longer than allowed. */
    TIMEOUT,
    /** Anything else (a FUSE mount failure, an I/O error). */
    FAILED;

    /** The lowercase name used as the Prometheus label value. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
