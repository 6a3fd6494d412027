package dev.estargz.snapshotter.model;

import java.nio.file.Path;

/** The metadata database or a snapshot directory could not be read or written; carries the path involved. */
public final class StoreException extends RuntimeException {
    private final Path path;

    public StoreException(String message, Path path, Throwable cause) {
        super(message + " (" + path + ")" + (cause == null ? "" : ": " + cause.getMessage()), cause);
        this.path = path;
    }

    public Path path() {
        return path;
    }
}
