package dev.estargz.format.footer;

import java.io.IOException;

/** The tail of a blob holds no footer of any known layout. */
public class FooterException extends IOException {
    public FooterException(String message) {
        super(message);
    }
}
