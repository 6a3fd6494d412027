package dev.estargz.fusefs.fs;

/** A filesystem call that fails with an errno, and why (for the log). */
public final class FsException extends Exception {
    private final Errno errno;

    public FsException(Errno errno, String message) {
        super(message);
        this.errno = errno;
    }

    public FsException(Errno errno, String message, Throwable cause) {
        super(message, cause);
        this.errno = errno;
    }

    public Errno errno() {
        return errno;
    }
}
