package dev.estargz.snapshotter.model;

/** A snapshot operation refused for a reason containerd understands (see {@link ErrorKind}). */
public final class SnapshotException extends RuntimeException {
    private final ErrorKind kind;
    private final String context;

    /** {@code context} names the snapshot and the problem; the kind's wording is appended as errdefs does. */
    public SnapshotException(ErrorKind kind, String context) {
        super(context + ": " + kind.text());
        this.kind = kind;
        this.context = context;
    }

    public ErrorKind kind() {
        return kind;
    }

    /** The same error with {@code prefix} in front, like Go's {@code fmt.Errorf("prefix: %w", err)}. */
    public SnapshotException wrap(String prefix) {
        SnapshotException wrapped = new SnapshotException(kind, prefix + ": " + context);
        wrapped.initCause(this);
        return wrapped;
    }

    public static SnapshotException notFound(String context) {
        return new SnapshotException(ErrorKind.NOT_FOUND, context);
    }

    public static SnapshotException alreadyExists(String context) {
        return new SnapshotException(ErrorKind.ALREADY_EXISTS, context);
    }

    public static SnapshotException failedPrecondition(String context) {
        return new SnapshotException(ErrorKind.FAILED_PRECONDITION, context);
    }

    public static SnapshotException invalidArgument(String context) {
        return new SnapshotException(ErrorKind.INVALID_ARGUMENT, context);
    }

    public static SnapshotException unavailable(String context) {
        return new SnapshotException(ErrorKind.UNAVAILABLE, context);
    }
}
