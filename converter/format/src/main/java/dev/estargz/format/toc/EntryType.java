package dev.estargz.format.toc;

import java.util.Optional;

/** The {@code type} of a TOC entry, with the string the TOC JSON uses for it. */
public enum EntryType {
    DIR("dir"),
    REG("reg"),
    SYMLINK("symlink"),
    HARDLINK("hardlink"),
    CHAR("char"),
    BLOCK("block"),
    FIFO("fifo"),
    /** A later chunk (the second and on) of a regular file's payload. */
    CHUNK("chunk");

    /** {@link #values()} copies its array on every call, and this is asked once per TOC entry. */
    private static final EntryType[] ALL = values();

    private final String json;

    EntryType(String json) {
        this.json = json;
    }

    /** The string written in the TOC JSON. */
    public String json() {
        return json;
    }

    /** True for the types that carry file payload ({@code reg} and {@code chunk}). */
    public boolean carriesData() {
        return this == REG || this == CHUNK;
    }

    /** The type for a TOC JSON string, if it is one of the eight known ones. */
    public static Optional<EntryType> fromJson(String s) {
        for (EntryType t : ALL) {
            if (t.json.equals(s)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }
}
