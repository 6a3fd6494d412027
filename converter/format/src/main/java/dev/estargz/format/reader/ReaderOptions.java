package dev.estargz.format.reader;

/**
 * How {@link EStargzReader#open} reads a layer.
 *
 * @param tailSize    bytes fetched from the end of the blob in the first (ideally only) read, besides the footer;
 *                    a TOC that fits is parsed without a second read
 * @param maxTocSize  the largest TOC JSON accepted, so that a hostile layer cannot exhaust memory
 * @param layerName   how the layer is named in errors (a digest, a path); null uses the source's toString
 */
public record ReaderOptions(int tailSize, long maxTocSize, String layerName) {
    /**
     * Default tail fetched with the footer. It holds the whole compressed TOC of most application layers (up to
     * ~1000 entries); a larger TOC takes a second request either way, so a bigger tail only adds bytes that are not
     * TOC: 256 KiB, tried first, was 192 KiB of file content per small layer, and the layers of an image are
     * resolved at once, so on a 100 Mbit/s link a small layer's tail held back the base layer's TOC by ~15 ms (the
     * reference's first read is its last 50000-byte chunk).
     */
    public static final int DEFAULT_TAIL_SIZE = 64 * 1024;
    /** Default TOC limit: large enough for layers of a few hundred thousand files. */
    public static final long DEFAULT_MAX_TOC_SIZE = 256L * 1024 * 1024;

    public ReaderOptions {
        if (tailSize < 0) {
            throw new IllegalArgumentException("tailSize must not be negative: " + tailSize);
        }
        if (maxTocSize <= 0 || maxTocSize > Integer.MAX_VALUE - 4096) {
            throw new IllegalArgumentException("maxTocSize must be in 1.." + (Integer.MAX_VALUE - 4096));
        }
    }

    /** The defaults. */
    public static ReaderOptions defaults() {
        return new ReaderOptions(DEFAULT_TAIL_SIZE, DEFAULT_MAX_TOC_SIZE, null);
    }

    /** These options for a layer with the given name in errors. */
    public ReaderOptions withLayerName(String name) {
        return new ReaderOptions(tailSize, maxTocSize, name);
    }
}
