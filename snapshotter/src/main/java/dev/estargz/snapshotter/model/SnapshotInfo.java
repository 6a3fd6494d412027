package dev.estargz.snapshotter.model;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/** What containerd sees of one snapshot: its name (key), parent name ("" for none), kind, times and labels. */
public record SnapshotInfo(String name, String parent, Kind kind, Instant created, Instant updated,
                           Map<String, String> labels) {
    public SnapshotInfo {
        Objects.requireNonNull(name, "name");
        parent = parent == null ? "" : parent;
        Objects.requireNonNull(kind, "kind");
        labels = labels == null ? Map.of() : Map.copyOf(labels);
    }
}
