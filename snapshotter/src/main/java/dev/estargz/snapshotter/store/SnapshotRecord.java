package dev.estargz.snapshotter.store;

import dev.estargz.snapshotter.model.SnapshotInfo;
import dev.estargz.snapshotter.model.Usage;

/** One row of the metadata: the snapshot's directory id, its info and its recorded usage. */
public record SnapshotRecord(String id, SnapshotInfo info, Usage usage) {
}
