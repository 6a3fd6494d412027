package dev.estargz.format;

import java.io.IOException;

/**
 * A layer blob, tar stream or TOC that breaks the eStargz format, with the layer, entry and offset it concerns.
 */
public class InvalidLayerException extends IOException {
    private final String layer;
    private final String entry;
    private final long offset;

    /** A problem with the layer as a whole; {@code layer} describes it (a path, a digest, a URL), may be null. */
    public InvalidLayerException(String layer, String message) {
        this(layer, null, -1, message, null);
    }

    /** A problem with one entry (may be null) at one offset of the blob or file (-1 when not known). */
    public InvalidLayerException(String layer, String entry, long offset, String message, Throwable cause) {
        super(compose(layer, entry, offset, message), cause);
        this.layer = layer;
        this.entry = entry;
        this.offset = offset;
    }

    private static String compose(String layer, String entry, long offset, String message) {
        StringBuilder sb = new StringBuilder();
        if (layer != null) {
            sb.append(layer).append(": ");
        }
        if (entry != null) {
            sb.append("entry \"").append(entry).append("\": ");
        }
        sb.append(message);
        if (offset >= 0) {
            sb.append(" (offset ").append(offset).append(')');
        }
        return sb.toString();
    }

    /** The layer this concerns (path, digest or URL), or null. */
    public String layer() {
        return layer;
    }

    /** The entry name this concerns, or null. */
    public String entry() {
        return entry;
    }

    /** The offset this concerns, or -1. */
    public long offset() {
        return offset;
    }
}
