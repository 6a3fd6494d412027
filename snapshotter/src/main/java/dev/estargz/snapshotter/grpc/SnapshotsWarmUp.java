package dev.estargz.snapshotter.grpc;

import dev.estargz.fusefs.mount.ScratchDirectories;
import dev.estargz.proto.snapshots.v1.CommitSnapshotRequest;
import dev.estargz.proto.snapshots.v1.ListSnapshotsRequest;
import dev.estargz.proto.snapshots.v1.MountsRequest;
import dev.estargz.proto.snapshots.v1.PrepareSnapshotRequest;
import dev.estargz.proto.snapshots.v1.RemoveSnapshotRequest;
import dev.estargz.proto.snapshots.v1.StatSnapshotRequest;
import dev.estargz.snapshotter.remote.LayerLabels;
import dev.estargz.snapshotter.remote.LayerUnavailableException;
import dev.estargz.snapshotter.remote.MountOutcome;
import dev.estargz.snapshotter.remote.RemoteLayerMounter;
import dev.estargz.snapshotter.snapshot.OverlaySnapshotter;
import dev.estargz.snapshotter.snapshot.RemoteSnapshotEvents;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * containerd's calls for pulling an image of two remote layers and starting a container on it (Prepare of each
 * layer with its target, Stat, Prepare of the container's snapshot, Mounts twice, Commit, List, Remove), made
 * {@value #ROUNDS} times against a scratch snapshotter of its own before the first real pull: measured on a cold
 * start, the container's Prepare took 16 ms and each Mounts 8 ms in a fresh daemon, and a layer's Prepare 28 ms
 * around its mount, most of it code not yet compiled (SQLite's JDBC, protobuf, our snapshot logic). Remote layers
 * are "mounted" by a stand-in that mounts nothing; its check runs {@code check} (e.g. a round trip to the fuse
 * manager, as every real check is).
 */
public final class SnapshotsWarmUp {
    private static final Logger LOG = LoggerFactory.getLogger(SnapshotsWarmUp.class);
    private static final int ROUNDS = 60;
    private static final String DIR_PREFIX = "snapshots-warm-up-";

    /** What the stand-in remote layer's check does. */
    @FunctionalInterface
    public interface Check {
        void run() throws IOException;
    }

    private SnapshotsWarmUp() {
    }

    /**
     * Runs the warm-up under a new directory in {@code scratchParent}, removed afterwards; failures are logged,
     * never thrown.
     */
    public static void run(Path scratchParent, Check check) {
        long t0 = System.nanoTime();
        try {
            runOrThrow(scratchParent, check);
            LOG.info("snapshot warm-up took {} ms", (System.nanoTime() - t0) / 1_000_000);
        } catch (IOException | RuntimeException e) {
            LOG.info("snapshot warm-up skipped ({}); the first pull's snapshot calls will be slower", e.toString());
        }
    }

    static void runOrThrow(Path scratchParent, Check check) throws IOException {
        for (Path dead : ScratchDirectories.ofDeadProcesses(scratchParent, DIR_PREFIX)) {
            ScratchDirectories.delete(dead);
        }
        Path dir = ScratchDirectories.create(scratchParent, DIR_PREFIX);
        try (OverlaySnapshotter snapshotter = OverlaySnapshotter.openScratch(dir, new StandIn(check),
                RemoteSnapshotEvents.NONE)) {
            SnapshotsService service = new SnapshotsService(snapshotter);
            for (int i = 0; i < ROUNDS; i++) {
                round(service, i);
            }
        } finally {
            ScratchDirectories.delete(dir);
        }
    }

    private static void round(SnapshotsService service, int i) throws IOException {
        String l1 = "sha256:warm-up-" + i + "-layer-1";
        String l2 = "sha256:warm-up-" + i + "-layer-2";
        String container = "warm-up/" + i + "/container";
        prepareLayer(service, "warm-up/" + i + "/extract-1", "", l1);
        call(r -> service.stat(StatSnapshotRequest.newBuilder().setKey(l1).build(), r));
        prepareLayer(service, "warm-up/" + i + "/extract-2", l1, l2);
        call(r -> service.stat(StatSnapshotRequest.newBuilder().setKey(l2).build(), r));
        call(r -> service.prepare(PrepareSnapshotRequest.newBuilder().setKey(container).setParent(l2)
                .putLabels("containerd.io/gc.root", "warm-up").build(), r));
        for (int m = 0; m < 2; m++) {
            call(r -> service.mounts(MountsRequest.newBuilder().setKey(container).build(), r));
        }
        call(r -> service.commit(CommitSnapshotRequest.newBuilder().setKey(container)
                .setName(container + "-committed").build(), r));
        call(r -> service.list(ListSnapshotsRequest.newBuilder().addFilters("parent==" + l2).build(), r));
        for (String key : new String[] {container + "-committed", l2, l1}) {
            call(r -> service.remove(RemoveSnapshotRequest.newBuilder().setKey(key).build(), r));
        }
    }

    /** A layer's Prepare with its target, answered ALREADY_EXISTS once the stand-in has "mounted" it. */
    private static void prepareLayer(SnapshotsService service, String key, String parent, String target)
            throws IOException {
        call(r -> service.prepare(PrepareSnapshotRequest.newBuilder().setKey(key).setParent(parent)
                .putLabels(LayerLabels.TARGET_SNAPSHOT_REF, target)
                .putLabels(LayerLabels.STARGZ_REFERENCE, "127.0.0.1:5000/warm-up:latest")
                .putLabels(LayerLabels.STARGZ_DIGEST, target).build(), r));
    }

    /** One call of the service; it answers through {@code answer}. */
    @FunctionalInterface
    private interface Rpc {
        @SuppressWarnings("rawtypes")
        void call(StreamObserver answer);
    }

    /** Makes one call; an error answer (ALREADY_EXISTS above) is part of the path, any other failure is not. */
    private static void call(Rpc rpc) throws IOException {
        Answer answer = new Answer();
        rpc.call(answer);
        if (answer.error != null && !answer.error.getMessage().startsWith("ALREADY_EXISTS")) {
            throw new IOException("warm-up call failed: " + answer.error.getMessage(), answer.error);
        }
    }

    private static final class Answer implements StreamObserver<Object> {
        Throwable error;

        @Override
        public void onNext(Object value) {
        }

        @Override
        public void onError(Throwable t) {
            error = t;
        }

        @Override
        public void onCompleted() {
        }
    }

    /** Remote layers that "mount" without mounting anything. */
    private record StandIn(Check check) implements RemoteLayerMounter {
        @Override
        public MountOutcome mount(Path mountpoint, Map<String, String> labels) {
            return MountOutcome.mounted();
        }

        @Override
        public void check(Path mountpoint, Map<String, String> labels) throws LayerUnavailableException {
            try {
                check.run();
            } catch (IOException e) {
                throw new LayerUnavailableException(mountpoint, e.getMessage(), e);
            }
        }

        @Override
        public MountOutcome restore(Path mountpoint, Map<String, String> labels) {
            return MountOutcome.mounted();
        }

        @Override
        public void unmount(Path mountpoint) {
        }
    }
}
