package dev.estargz.snapshotter.store;

import dev.estargz.snapshotter.model.Kind;
import java.util.List;

/** An active or view snapshot's id with the ids of its parents, nearest first: what mounts are built from. */
public record SnapshotChain(String id, Kind kind, List<String> parentIds) {
    public SnapshotChain {
        parentIds = List.copyOf(parentIds);
    }
}
