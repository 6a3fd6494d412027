package dev.estargz.format;

/**
 * Content (a chunk, a TOC) whose sha256 differs from the digest that was expected for it.
 */
public class DigestMismatchException extends InvalidLayerException {
    private final String expected;
    private final String actual;

    public DigestMismatchException(String layer, String entry, long offset, String what, String expected,
            String actual) {
        super(layer, entry, offset, what + " digest mismatch: expected " + expected + ", got " + actual, null);
        this.expected = expected;
        this.actual = actual;
    }

    /** The digest the TOC or caller promised. */
    public String expected() {
        return expected;
    }

    /** The digest of the bytes actually read. */
    public String actual() {
        return actual;
    }
}
