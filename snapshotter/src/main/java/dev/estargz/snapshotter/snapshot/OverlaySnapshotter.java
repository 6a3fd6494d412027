package dev.estargz.snapshotter.snapshot;

import dev.estargz.snapshotter.filter.SnapshotFilter;
import dev.estargz.snapshotter.model.Kind;
import dev.estargz.snapshotter.model.Mount;
import dev.estargz.snapshotter.model.SnapshotException;
import dev.estargz.snapshotter.model.SnapshotInfo;
import dev.estargz.snapshotter.model.StoreException;
import dev.estargz.snapshotter.model.Usage;
import dev.estargz.snapshotter.remote.LayerLabels;
import dev.estargz.snapshotter.remote.LayerUnavailableException;
import dev.estargz.snapshotter.remote.MountOutcome;
import dev.estargz.snapshotter.remote.RemoteLayerMounter;
import dev.estargz.snapshotter.store.MetadataStore;
import dev.estargz.snapshotter.store.SnapshotChain;
import dev.estargz.snapshotter.store.SnapshotRecord;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * containerd's overlayfs snapshotter semantics (active, view and committed snapshots, overlay and bind mounts,
 * usage, asynchronous removal) plus the reference's remote snapshots: a Prepare carrying
 * {@code containerd.io/snapshot.ref} asks the {@link RemoteLayerMounter} to mount the layer lazily and, on
 * success, commits it under the target name and answers ALREADY_EXISTS so containerd skips the download.
 * Independent of gRPC; thread-safe (metadata changes are serialised by the {@link MetadataStore}).
 */
public final class OverlaySnapshotter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(OverlaySnapshotter.class);

    private final SnapshotDirectories dirs;
    private final MetadataStore store;
    private final OverlayMounts mounts;
    private final RemoteLayerMounter remote;
    private final RemoteSnapshotEvents events;
    /**
     * Creations hold it shared from temporary directory to metadata commit; cleanup holds it exclusively,
     * so it never deletes a directory that a snapshot being created is about to own (the reference gets the
     * same from bbolt's single writer).
     */
    private final ReentrantReadWriteLock directories = new ReentrantReadWriteLock();

    private OverlaySnapshotter(SnapshotDirectories dirs, MetadataStore store, OverlayMounts mounts,
                               RemoteLayerMounter remote, RemoteSnapshotEvents events) {
        this.dirs = dirs;
        this.store = store;
        this.mounts = mounts;
        this.remote = remote;
        this.events = events;
    }

    /**
     * Opens the snapshotter rooted at {@code root} (the reference's {@code <root>/snapshotter}): deletes
     * directories no snapshot owns (left by removals or a crash) and mounts remote snapshots again.
     * A remote snapshot that cannot be restored is logged and counted, never fatal.
     */
    public static OverlaySnapshotter open(Path root, RemoteLayerMounter remote, RemoteSnapshotEvents events) {
        return open(new SnapshotDirectories(root), remote, events, true);
    }

    /** As {@link #open}, for scratch work: its metadata is not synced to disk and does not survive a crash. */
    public static OverlaySnapshotter openScratch(Path root, RemoteLayerMounter remote, RemoteSnapshotEvents events) {
        return open(new SnapshotDirectories(root), remote, events, false);
    }

    private static OverlaySnapshotter open(SnapshotDirectories dirs, RemoteLayerMounter remote,
            RemoteSnapshotEvents events, boolean durable) {
        MetadataStore store = durable ? MetadataStore.open(dirs.metadataFile())
                : MetadataStore.openScratch(dirs.metadataFile());
        OverlaySnapshotter s = new OverlaySnapshotter(dirs, store, new OverlayMounts(dirs, OverlayOptions.detect()),
                remote, events);
        s.cleanup();
        s.restoreRemoteSnapshots();
        return s;
    }

    private void restoreRemoteSnapshots() {
        for (SnapshotRecord r : store.list()) {
            if (!isRemote(r.info())) {
                continue;
            }
            Path mp = dirs.upper(r.id());
            // the mounter keeps a layer it still serves (fuse manager) and clears a dead mount of a killed process
            MountOutcome outcome = remote.restore(mp, r.info().labels());
            if (outcome instanceof MountOutcome.NotMounted nm) {
                LOG.warn("failed to restore remote snapshot {} at {}: {} ({}); it stays listed and can be removed",
                        r.info().name(), mp, nm.detail(), nm.reason().label());
                events.restoreFailed(nm.reason());
            }
        }
    }

    private static boolean isRemote(SnapshotInfo info) {
        return info.labels().containsKey(LayerLabels.REMOTE);
    }

    /** Creates an active snapshot (or, with a target ref and a lazily mountable layer, a remote committed one). */
    public List<Mount> prepare(String key, String parent, Map<String, String> labels) {
        String target = labels.get(LayerLabels.TARGET_SNAPSHOT_REF);
        if (target == null) {
            // before creating: creation reads the parent's fs, which a lost FUSE mount would fail with ENOTCONN,
            // and checking brings back a layer the fuse manager lost (it died and was replaced)
            checkAvailability(key, parent);
        }
        long t0 = System.nanoTime();
        SnapshotChain s = createSnapshot(Kind.ACTIVE, key, parent, labels);
        if (target != null) {
            long created = System.nanoTime();
            MountOutcome outcome = remote.mount(dirs.upper(s.id()), labels);
            long mounted = System.nanoTime();
            if (outcome instanceof MountOutcome.NotMounted nm) {
                LOG.info("remote-snapshot-prepared=false key={} target={} reason={}: {}; falling back to a normal"
                        + " snapshot", key, target, nm.reason().label(), nm.detail());
                events.fellBack(nm.reason());
            } else {
                Map<String, String> committed = new HashMap<>(labels);
                committed.put(LayerLabels.REMOTE, LayerLabels.REMOTE_VALUE);
                try {
                    commit(true, target, key, committed);
                } catch (SnapshotException e) {
                    if (e.kind() != dev.estargz.snapshotter.model.ErrorKind.ALREADY_EXISTS) {
                        LOG.warn("remote-snapshot-prepared=false key={} target={}: failed to commit remote snapshot: {}",
                                key, target, e.getMessage());
                        remote.unmount(dirs.upper(s.id()));
                        throw e;
                    }
                }
                LOG.debug("remote-snapshot-prepared=true key={} target={} (created in {} us, mounted in {} us,"
                        + " committed in {} us)", key, target, (created - t0) / 1000, (mounted - created) / 1000,
                        (System.nanoTime() - mounted) / 1000);
                events.remoteSnapshotPrepared();
                throw SnapshotException.alreadyExists("target snapshot \"" + target + "\"");
            }
        }
        // a layer that fell back to a normal snapshot: its parents were not checked yet
        return target == null ? mounts.of(s) : mountsChecked(s, parent);
    }

    /** Creates a read-only view of {@code parent}. */
    public List<Mount> view(String key, String parent, Map<String, String> labels) {
        checkAvailability(key, parent);
        return mounts.of(createSnapshot(Kind.VIEW, key, parent, labels));
    }

    /** The mounts of an active or view snapshot, after checking that its remote layers can serve reads. */
    public List<Mount> mounts(String key) {
        SnapshotChain s;
        try {
            s = store.chain(key);
        } catch (SnapshotException e) {
            throw e.wrap("failed to get active mount");
        }
        return mountsChecked(s, key);
    }

    /** Commits active {@code key} as {@code name}, recording its disk usage; labels are replaced. */
    public void commit(String name, String key, Map<String, String> labels) {
        commit(false, name, key, labels);
    }

    private void commit(boolean isRemote, String name, String key, Map<String, String> labels) {
        SnapshotRecord r = store.get(key);
        // remote layers are not walked: that would fetch the whole layer, defeating lazy pulling
        Usage usage = isRemote ? r.usage() : DiskUsage.of(dirs.upper(r.id()));
        try {
            store.commit(key, name, usage, labels);
        } catch (SnapshotException e) {
            throw e.wrap("failed to commit snapshot");
        }
    }

    /** Removes the snapshot's metadata now; its directory is deleted by {@link #cleanup()}. */
    public void remove(String key) {
        SnapshotRecord r;
        try {
            r = store.remove(key);
        } catch (SnapshotException e) {
            throw e.wrap("failed to remove");
        }
        if (isRemote(r.info())) {
            remote.unmount(dirs.upper(r.id()));
        }
        try {
            dirs.retire(r.id());
        } catch (IOException e) {
            LOG.warn("failed to move directory of removed snapshot {} (id {}) aside; cleanup will delete it: {}",
                    key, r.id(), e.toString());
        }
    }

    /** The info of any snapshot. */
    public SnapshotInfo stat(String key) {
        return store.get(key).info();
    }

    /** Updates labels of a snapshot ({@code fieldPaths} as containerd's update mask). */
    public SnapshotInfo update(SnapshotInfo info, List<String> fieldPaths) {
        return store.update(info.name(), info.labels(), fieldPaths);
    }

    /** Every snapshot that matches any of {@code filters} (containerd filter syntax). */
    public List<SnapshotInfo> list(List<String> filters) {
        SnapshotFilter filter = SnapshotFilter.parseAll(filters);
        List<SnapshotInfo> out = new ArrayList<>();
        for (SnapshotRecord r : store.list()) {
            if (filter.matches(r.info())) {
                out.add(r.info());
            }
        }
        return out;
    }

    /** Usage: measured now for an active snapshot, as recorded at commit otherwise. */
    public Usage usage(String key) {
        SnapshotRecord r = store.get(key);
        if (r.info().kind() == Kind.ACTIVE) {
            return DiskUsage.of(dirs.upper(r.id()));
        }
        return r.usage();
    }

    /** Deletes every directory under {@code snapshots/} that no snapshot owns. */
    public void cleanup() {
        directories.writeLock().lock();
        try {
            cleanupLocked();
        } finally {
            directories.writeLock().unlock();
        }
    }

    private void cleanupLocked() {
        for (Path dir : dirs.unowned(store.idMap().keySet())) {
            remote.unmount(dir.resolve("fs"));
            try {
                SnapshotDirectories.deleteTree(dir);
            } catch (IOException e) {
                LOG.warn("failed to remove directory {}: {}", dir, e.toString());
            }
        }
    }

    private SnapshotChain createSnapshot(Kind kind, String key, String parent, Map<String, String> labels) {
        directories.readLock().lock();
        try {
            return createSnapshotLocked(kind, key, parent, labels);
        } finally {
            directories.readLock().unlock();
        }
    }

    private SnapshotChain createSnapshotLocked(Kind kind, String key, String parent, Map<String, String> labels) {
        Path temp = dirs.createTemp(kind);
        boolean placed = false;
        try {
            SnapshotChain s = store.create(kind, key, parent, labels, chain -> {
                if (!chain.parentIds().isEmpty()) {
                    dirs.copyOwner(temp, chain.parentIds().get(0));
                }
                // inside the transaction: if the commit never happens, cleanup finds an unowned directory
                dirs.place(temp, chain.id());
            });
            placed = true;
            return s;
        } catch (SnapshotException e) {
            throw e.wrap("failed to create snapshot");
        } finally {
            if (!placed) {
                try {
                    SnapshotDirectories.deleteTree(temp);
                } catch (IOException e) {
                    LOG.warn("failed to clean up temporary snapshot directory {}: {}", temp, e.toString());
                }
            }
        }
    }

    private List<Mount> mountsChecked(SnapshotChain s, String checkKey) {
        checkAvailability(s.id(), checkKey);
        return mounts.of(s);
    }

    /** Checks every remote layer of {@code key} and its parents; {@code what} names the snapshot in the error. */
    private void checkAvailability(String what, String key) {
        for (String cKey = key; !cKey.isEmpty(); ) {
            SnapshotRecord r = store.get(cKey);
            if (isRemote(r.info())) {
                try {
                    remote.check(dirs.upper(r.id()), r.info().labels());
                } catch (LayerUnavailableException e) {
                    LOG.warn("layer is unavailable: snapshot={} {}", cKey, e.getMessage());
                    throw SnapshotException.unavailable("layer \"" + what + "\" unavailable");
                }
            }
            cKey = r.info().parent();
        }
    }

    @Override
    public void close() {
        // Unlike the reference we keep every snapshot on shutdown (stargz#2126): only the database is closed.
        try {
            store.close();
        } catch (StoreException e) {
            LOG.warn("closing metadata: {}", e.getMessage());
        }
    }
}
