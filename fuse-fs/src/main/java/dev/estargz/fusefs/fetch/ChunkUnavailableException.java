package dev.estargz.fusefs.fetch;

import java.io.IOException;

/**
 * A chunk could not be served: the registry did not answer in time, failed, or sent bytes that do not match the
 * chunk's digest (twice). The read that needed it fails with EIO; a later read tries again.
 */
public final class ChunkUnavailableException extends IOException {
    private final String layer;
    private final long compressedOffset;

    public ChunkUnavailableException(String layer, long compressedOffset, String message, Throwable cause) {
        super(layer + ": chunk at blob offset " + compressedOffset + ": " + message, cause);
        this.layer = layer;
        this.compressedOffset = compressedOffset;
    }

    public String layer() {
        return layer;
    }

    public long compressedOffset() {
        return compressedOffset;
    }
}
