package dev.estargz.snapshotter.snapshot;

import dev.estargz.snapshotter.remote.FallbackReason;

/** What the snapshotter reports about remote snapshots, for metrics; the snapshotter itself does the logging. */
public interface RemoteSnapshotEvents {
    /** Reports nothing. */
    RemoteSnapshotEvents NONE = new RemoteSnapshotEvents() {
    };

    /** A layer was mounted lazily and committed as a remote snapshot. */
    default void remoteSnapshotPrepared() {
    }

    /** A layer with a target ref fell back to an ordinary snapshot. */
    default void fellBack(FallbackReason reason) {
    }

    /** A remote snapshot of an earlier run could not be mounted again at startup. */
    default void restoreFailed(FallbackReason reason) {
    }
}
