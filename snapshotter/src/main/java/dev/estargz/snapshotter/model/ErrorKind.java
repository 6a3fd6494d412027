package dev.estargz.snapshotter.model;

/**
 * The error classes of containerd's errdefs that snapshotters return; each maps to one gRPC status code,
 * and containerd's client turns that code back into the same class.
 */
public enum ErrorKind {
    NOT_FOUND("not found"),
    ALREADY_EXISTS("already exists"),
    FAILED_PRECONDITION("failed precondition"),
    INVALID_ARGUMENT("invalid argument"),
    UNAVAILABLE("unavailable");

    private final String text;

    ErrorKind(String text) {
        this.text = text;
    }

    /** errdefs' own wording, which containerd appends to messages ("snapshot x: not found"). */
    public String text() {
        return text;
    }
}
