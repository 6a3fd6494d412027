package dev.estargz.format.toc;

import java.util.List;

/**
 * A table of contents as stored in a layer ({@code {"version": 1, "entries": [...]}}), entries in blob order.
 */
public record Toc(int version, List<TocEntry> entries) {
    /** The only version the reference writes. */
    public static final int VERSION = 1;

    public Toc {
        entries = List.copyOf(entries);
    }
}
