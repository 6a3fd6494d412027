package dev.estargz.proto;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.Descriptors.Descriptor;
import dev.estargz.proto.snapshots.v1.Info;
import dev.estargz.proto.snapshots.v1.Kind;
import dev.estargz.proto.snapshots.v1.SnapshotsGrpc;
import dev.estargz.proto.snapshots.v1.UpdateSnapshotRequest;
import dev.estargz.proto.types.Mount;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** containerd finds our service and decodes our messages only if names and field numbers match its own .proto files. */
class WireCompatibilityTest {

    private static String fields(Descriptor d) {
        return d.getFields().stream().map(f -> f.getName() + "=" + f.getNumber()).collect(Collectors.joining(","));
    }

    @Test
    void serviceAndMethodNamesMatchContainerd() {
        var service = SnapshotsGrpc.getServiceDescriptor();
        assertEquals("containerd.services.snapshots.v1.Snapshots", service.getName());
        assertEquals(
                List.of("Prepare", "View", "Mounts", "Commit", "Remove", "Stat", "Update", "List", "Usage", "Cleanup"),
                service.getMethods().stream().map(m -> m.getBareMethodName()).collect(Collectors.toList()));
        assertEquals("containerd.services.snapshots.v1.Snapshots/List",
                SnapshotsGrpc.getListMethod().getFullMethodName());
    }

    @Test
    void mountFieldsMatchContainerd() {
        assertEquals("containerd.types.Mount", Mount.getDescriptor().getFullName());
        assertEquals("type=1,source=2,target=3,options=4", fields(Mount.getDescriptor()));
    }

    @Test
    void infoFieldsAndKindValuesMatchContainerd() {
        assertEquals("containerd.services.snapshots.v1.Info", Info.getDescriptor().getFullName());
        assertEquals("name=1,parent=2,kind=3,created_at=4,updated_at=5,labels=6", fields(Info.getDescriptor()));
        assertEquals(List.of(0, 1, 2, 3), List.of(Kind.UNKNOWN_VALUE, Kind.VIEW_VALUE, Kind.ACTIVE_VALUE, Kind.COMMITTED_VALUE));
        assertEquals("snapshotter=1,info=2,update_mask=3", fields(UpdateSnapshotRequest.getDescriptor()));
    }
}
