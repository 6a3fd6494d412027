package dev.estargz.cli;

/** The exit statuses of {@code estargz}. */
final class ExitCodes {
    static final int OK = 0;
    /** The input is not a valid layer, verification failed, or the conversion could not be done. */
    static final int FAILURE = 1;
    /** The command line was wrong. */
    static final int USAGE = 2;

    private ExitCodes() {
    }
}
