package dev.estargz.snapshotter.grpc;

import com.google.protobuf.Empty;
import com.google.protobuf.Timestamp;
import dev.estargz.proto.snapshots.v1.CleanupRequest;
import dev.estargz.proto.snapshots.v1.CommitSnapshotRequest;
import dev.estargz.proto.snapshots.v1.Info;
import dev.estargz.proto.snapshots.v1.ListSnapshotsRequest;
import dev.estargz.proto.snapshots.v1.ListSnapshotsResponse;
import dev.estargz.proto.snapshots.v1.MountsRequest;
import dev.estargz.proto.snapshots.v1.MountsResponse;
import dev.estargz.proto.snapshots.v1.PrepareSnapshotRequest;
import dev.estargz.proto.snapshots.v1.PrepareSnapshotResponse;
import dev.estargz.proto.snapshots.v1.RemoveSnapshotRequest;
import dev.estargz.proto.snapshots.v1.SnapshotsGrpc;
import dev.estargz.proto.snapshots.v1.StatSnapshotRequest;
import dev.estargz.proto.snapshots.v1.StatSnapshotResponse;
import dev.estargz.proto.snapshots.v1.UpdateSnapshotRequest;
import dev.estargz.proto.snapshots.v1.UpdateSnapshotResponse;
import dev.estargz.proto.snapshots.v1.UsageRequest;
import dev.estargz.proto.snapshots.v1.UsageResponse;
import dev.estargz.proto.snapshots.v1.ViewSnapshotRequest;
import dev.estargz.proto.snapshots.v1.ViewSnapshotResponse;
import dev.estargz.snapshotter.model.Kind;
import dev.estargz.snapshotter.model.Mount;
import dev.estargz.snapshotter.model.SnapshotException;
import dev.estargz.snapshotter.model.SnapshotInfo;
import dev.estargz.snapshotter.model.Usage;
import dev.estargz.snapshotter.snapshot.OverlaySnapshotter;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.time.Instant;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** containerd's Snapshots gRPC service as a thin adapter over {@link OverlaySnapshotter}. */
public final class SnapshotsService extends SnapshotsGrpc.SnapshotsImplBase {
    private static final Logger LOG = LoggerFactory.getLogger(SnapshotsService.class);
    /** containerd's proxy reads List in pages; 100 infos per message keeps each message small. */
    private static final int LIST_PAGE = 100;

    private final OverlaySnapshotter snapshotter;

    public SnapshotsService(OverlaySnapshotter snapshotter) {
        this.snapshotter = snapshotter;
    }

    @Override
    public void prepare(PrepareSnapshotRequest req, StreamObserver<PrepareSnapshotResponse> out) {
        unary("Prepare", req.getKey(), out, () -> PrepareSnapshotResponse.newBuilder()
                .addAllMounts(toProto(snapshotter.prepare(req.getKey(), req.getParent(), req.getLabelsMap())))
                .build());
    }

    @Override
    public void view(ViewSnapshotRequest req, StreamObserver<ViewSnapshotResponse> out) {
        unary("View", req.getKey(), out, () -> ViewSnapshotResponse.newBuilder()
                .addAllMounts(toProto(snapshotter.view(req.getKey(), req.getParent(), req.getLabelsMap())))
                .build());
    }

    @Override
    public void mounts(MountsRequest req, StreamObserver<MountsResponse> out) {
        unary("Mounts", req.getKey(), out, () -> MountsResponse.newBuilder()
                .addAllMounts(toProto(snapshotter.mounts(req.getKey()))).build());
    }

    @Override
    public void commit(CommitSnapshotRequest req, StreamObserver<Empty> out) {
        unary("Commit", req.getKey(), out, () -> {
            snapshotter.commit(req.getName(), req.getKey(), req.getLabelsMap());
            return Empty.getDefaultInstance();
        });
    }

    @Override
    public void remove(RemoveSnapshotRequest req, StreamObserver<Empty> out) {
        unary("Remove", req.getKey(), out, () -> {
            snapshotter.remove(req.getKey());
            return Empty.getDefaultInstance();
        });
    }

    @Override
    public void stat(StatSnapshotRequest req, StreamObserver<StatSnapshotResponse> out) {
        unary("Stat", req.getKey(), out, () -> StatSnapshotResponse.newBuilder()
                .setInfo(toProto(snapshotter.stat(req.getKey()))).build());
    }

    @Override
    public void update(UpdateSnapshotRequest req, StreamObserver<UpdateSnapshotResponse> out) {
        unary("Update", req.getInfo().getName(), out, () -> {
            Info i = req.getInfo();
            SnapshotInfo info = new SnapshotInfo(i.getName(), i.getParent(), Kind.ACTIVE, Instant.EPOCH,
                    Instant.EPOCH, i.getLabelsMap());
            List<String> paths = req.hasUpdateMask() ? req.getUpdateMask().getPathsList() : List.of();
            return UpdateSnapshotResponse.newBuilder().setInfo(toProto(snapshotter.update(info, paths))).build();
        });
    }

    @Override
    public void list(ListSnapshotsRequest req, StreamObserver<ListSnapshotsResponse> out) {
        try {
            List<SnapshotInfo> all = snapshotter.list(req.getFiltersList());
            for (int i = 0; i < all.size(); i += LIST_PAGE) {
                ListSnapshotsResponse.Builder page = ListSnapshotsResponse.newBuilder();
                all.subList(i, Math.min(all.size(), i + LIST_PAGE)).forEach(s -> page.addInfo(toProto(s)));
                out.onNext(page.build());
            }
            out.onCompleted();
        } catch (RuntimeException e) {
            out.onError(toStatus("List", "", e));
        }
    }

    @Override
    public void usage(UsageRequest req, StreamObserver<UsageResponse> out) {
        unary("Usage", req.getKey(), out, () -> {
            Usage u = snapshotter.usage(req.getKey());
            return UsageResponse.newBuilder().setSize(u.size()).setInodes(u.inodes()).build();
        });
    }

    @Override
    public void cleanup(CleanupRequest req, StreamObserver<Empty> out) {
        unary("Cleanup", "", out, () -> {
            snapshotter.cleanup();
            return Empty.getDefaultInstance();
        });
    }

    private static <T> void unary(String rpc, String key, StreamObserver<T> out, Supplier<T> call) {
        long t0 = System.nanoTime();
        T result;
        try {
            result = call.get();
        } catch (RuntimeException e) {
            out.onError(toStatus(rpc, key, e));
            return;
        } finally {
            if (LOG.isTraceEnabled()) { // no boxed duration on every call otherwise
                LOG.trace("{} {} took {} us", rpc, key, (System.nanoTime() - t0) / 1000);
            }
        }
        out.onNext(result);
        out.onCompleted();
    }

    /** containerd's errdefs.ToGRPC: each error class to its code; anything else is UNKNOWN with its message. */
    static RuntimeException toStatus(String rpc, String key, RuntimeException e) {
        if (e instanceof SnapshotException se) {
            LOG.debug("{} {}: {}", rpc, key, se.getMessage());
            Status status = switch (se.kind()) {
                case NOT_FOUND -> Status.NOT_FOUND;
                case ALREADY_EXISTS -> Status.ALREADY_EXISTS;
                case FAILED_PRECONDITION -> Status.FAILED_PRECONDITION;
                case INVALID_ARGUMENT -> Status.INVALID_ARGUMENT;
                case UNAVAILABLE -> Status.UNAVAILABLE;
            };
            return status.withDescription(se.getMessage()).asRuntimeException();
        }
        LOG.error("{} {} failed: {}", rpc, key, e.toString(), e);
        return Status.UNKNOWN.withDescription(e.getMessage()).asRuntimeException();
    }

    private static List<dev.estargz.proto.types.Mount> toProto(List<Mount> mounts) {
        return mounts.stream().map(m -> dev.estargz.proto.types.Mount.newBuilder().setType(m.type())
                .setSource(m.source()).addAllOptions(m.options()).build()).toList();
    }

    private static Info toProto(SnapshotInfo s) {
        return Info.newBuilder().setName(s.name()).setParent(s.parent())
                .setKind(dev.estargz.proto.snapshots.v1.Kind.forNumber(s.kind().code()))
                .setCreatedAt(timestamp(s.created())).setUpdatedAt(timestamp(s.updated()))
                .putAllLabels(s.labels()).build();
    }

    private static Timestamp timestamp(Instant t) {
        return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
    }
}
