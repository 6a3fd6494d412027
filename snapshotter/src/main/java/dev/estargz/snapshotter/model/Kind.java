package dev.estargz.snapshotter.model;

/** The kind of a snapshot, numbered as containerd's {@code snapshots.Kind} (and its proto enum). */
public enum Kind {
    VIEW(1),
    ACTIVE(2),
    COMMITTED(3);

    private final int code;

    Kind(int code) {
        this.code = code;
    }

    /** containerd's numeric value, also stored in the metadata database. */
    public int code() {
        return code;
    }

    /** The kind for containerd's numeric value; throws for UNKNOWN(0) or anything else. */
    public static Kind ofCode(int code) {
        for (Kind k : values()) {
            if (k.code == code) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown snapshot kind code " + code);
    }

    /** The word containerd's filters use for this kind ({@code kind==committed}). */
    public String filterName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
