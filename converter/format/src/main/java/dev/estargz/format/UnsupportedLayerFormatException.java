package dev.estargz.format;

/**
 * A recognised layer format that this library cannot read yet (zstd:chunked, external TOC); callers fall back
 * to a full pull.
 */
public class UnsupportedLayerFormatException extends InvalidLayerException {
    private final String format;

    public UnsupportedLayerFormatException(String layer, String format, String message) {
        super(layer, null, -1, message, null);
        this.format = format;
    }

    /** Short name of the recognised format, e.g. {@code zstd:chunked}. */
    public String format() {
        return format;
    }
}
