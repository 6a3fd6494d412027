package dev.estargz.format.toc;

import java.io.IOException;

/**
 * TOC JSON that is not JSON or not shaped like a TOC; the reader wraps it with the layer it came from.
 */
public class TocFormatException extends IOException {
    public TocFormatException(String message) {
        super(message);
    }

    public TocFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
