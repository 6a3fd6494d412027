package dev.estargz.snapshotter.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.estargz.snapshotter.model.ErrorKind;
import dev.estargz.snapshotter.model.Kind;
import dev.estargz.snapshotter.model.Mount;
import dev.estargz.snapshotter.model.SnapshotException;
import dev.estargz.snapshotter.model.SnapshotInfo;
import dev.estargz.snapshotter.model.Usage;
import dev.estargz.snapshotter.remote.FallbackReason;
import dev.estargz.snapshotter.remote.LayerLabels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

class OverlaySnapshotterTest {
    @TempDir
    Path root;
    FakeMounter mounter = new FakeMounter();
    List<FallbackReason> fallbacks = new ArrayList<>();
    List<FallbackReason> restoreFailures = new ArrayList<>();
    OverlaySnapshotter sn;

    RemoteSnapshotEvents events = new RemoteSnapshotEvents() {
        @Override
        public void fellBack(FallbackReason reason) {
            fallbacks.add(reason);
        }

        @Override
        public void restoreFailed(FallbackReason reason) {
            restoreFailures.add(reason);
        }
    };

    @BeforeEach
    void open() {
        sn = OverlaySnapshotter.open(root, mounter, events);
    }

    @AfterEach
    void close() {
        sn.close();
    }

    private Path fs(String id) {
        return root.resolve("snapshots").resolve(id).resolve("fs");
    }

    private static ErrorKind kindOf(Executable e) {
        return assertThrows(SnapshotException.class, e).kind();
    }

    private String optionValue(Mount m, String name) {
        return m.options().stream().filter(o -> o.startsWith(name + "=")).findFirst().orElseThrow()
                .substring(name.length() + 1);
    }

    @Test
    void activeWithoutParentIsWritableBindOfItsOwnDirectory() {
        List<Mount> m = sn.prepare("a", "", Map.of());
        assertEquals(List.of(new Mount("bind", fs("1").toString(), List.of("rw", "rbind"))), m);
        assertTrue(Files.isDirectory(root.resolve("snapshots/1/work")));
    }

    @Test
    void viewWithoutParentIsReadOnlyBindAndHasNoWorkDir() {
        assertEquals(List.of(new Mount("bind", fs("1").toString(), List.of("ro", "rbind"))), sn.view("v", "", Map.of()));
        assertFalse(Files.exists(root.resolve("snapshots/1/work")));
    }

    @Test
    void activeOnTwoLayersIsOverlayWithNearestParentFirst() {
        sn.prepare("a", "", Map.of());
        sn.commit("l1", "a", Map.of());
        sn.prepare("b", "l1", Map.of());
        sn.commit("l2", "b", Map.of());
        Mount m = sn.prepare("c", "l2", Map.of()).get(0);
        assertEquals("overlay", m.type());
        assertEquals("overlay", m.source());
        assertEquals(root.resolve("snapshots/3/work").toString(), optionValue(m, "workdir"));
        assertEquals(fs("3").toString(), optionValue(m, "upperdir"));
        assertEquals(fs("2") + ":" + fs("1"), optionValue(m, "lowerdir"));
        assertTrue(m.options().indexOf("workdir=" + root.resolve("snapshots/3/work"))
                < m.options().indexOf("lowerdir=" + fs("2") + ":" + fs("1")), "containerd's option order");
    }

    @Test
    void viewOfOneCommittedLayerIsReadOnlyBindOfThatLayer() {
        sn.prepare("a", "", Map.of());
        sn.commit("l1", "a", Map.of());
        assertEquals(List.of(new Mount("bind", fs("1").toString(), List.of("ro", "rbind"))), sn.view("v", "l1", Map.of()));
    }

    @Test
    void viewOfTwoLayersIsOverlayWithLowerdirOnly() {
        sn.prepare("a", "", Map.of());
        sn.commit("l1", "a", Map.of());
        sn.prepare("b", "l1", Map.of());
        sn.commit("l2", "b", Map.of());
        Mount m = sn.view("v", "l2", Map.of()).get(0);
        assertEquals("overlay", m.type());
        assertTrue(m.options().stream().noneMatch(o -> o.startsWith("upperdir=") || o.startsWith("workdir=")));
        assertEquals(fs("2") + ":" + fs("1"), optionValue(m, "lowerdir"));
    }

    @Test
    void errorKindsMatchContainerdStorage() {
        sn.prepare("a", "", Map.of());
        assertEquals(ErrorKind.ALREADY_EXISTS, kindOf(() -> sn.prepare("a", "", Map.of())));
        assertEquals(ErrorKind.NOT_FOUND, kindOf(() -> sn.prepare("b", "missing", Map.of())));
        assertEquals(ErrorKind.INVALID_ARGUMENT, kindOf(() -> sn.prepare("b", "a", Map.of())));
        sn.commit("l1", "a", Map.of());
        assertEquals(ErrorKind.FAILED_PRECONDITION, kindOf(() -> sn.mounts("l1")));
        assertEquals(ErrorKind.NOT_FOUND, kindOf(() -> sn.mounts("nope")));
        sn.view("v", "l1", Map.of());
        assertEquals(ErrorKind.FAILED_PRECONDITION, kindOf(() -> sn.commit("x", "v", Map.of())));
        sn.prepare("c", "l1", Map.of());
        assertEquals(ErrorKind.ALREADY_EXISTS, kindOf(() -> sn.commit("l1", "c", Map.of())));
        assertEquals(ErrorKind.FAILED_PRECONDITION, kindOf(() -> sn.remove("l1")));
        assertEquals(ErrorKind.NOT_FOUND, kindOf(() -> sn.remove("nope")));
        assertEquals(ErrorKind.NOT_FOUND, kindOf(() -> sn.stat("nope")));
        assertEquals(ErrorKind.INVALID_ARGUMENT,
                kindOf(() -> sn.prepare("big", "", Map.of("k", "v".repeat(LayerLabels.MAX_LABEL_BYTES)))));
    }

    @Test
    void messagesCarryContainerdWording() {
        sn.prepare("a", "", Map.of());
        SnapshotException e = assertThrows(SnapshotException.class, () -> sn.prepare("a", "", Map.of()));
        assertEquals("failed to create snapshot: snapshot a: already exists", e.getMessage());
    }

    @Test
    void commitRecordsUsageAndReplacesLabels() throws Exception {
        sn.prepare("a", "", Map.of("keep", "no"));
        Files.write(fs("1").resolve("f"), new byte[10000]);
        Usage active = sn.usage("a");
        assertTrue(active.size() >= 10000, "blocks of a 10000-byte file: " + active);
        assertEquals(2, active.inodes(), "the fs dir and one file");
        sn.commit("l1", "a", Map.of("new", "yes"));
        assertEquals(active, sn.usage("l1"));
        SnapshotInfo info = sn.stat("l1");
        assertEquals(Kind.COMMITTED, info.kind());
        assertEquals(Map.of("new", "yes"), info.labels());
        assertEquals(ErrorKind.NOT_FOUND, kindOf(() -> sn.stat("a")));
    }

    @Test
    void updateSetsAndRemovesLabelsByFieldPath() {
        sn.prepare("a", "", Map.of("x", "1", "y", "2"));
        SnapshotInfo req = new SnapshotInfo("a", "", Kind.ACTIVE, Instant.EPOCH, Instant.EPOCH, Map.of("x", "9"));
        assertEquals(Map.of("x", "9", "y", "2"), sn.update(req, List.of("labels.x")).labels());
        assertEquals(Map.of("x", "9"), sn.update(req, List.of("labels.y")).labels(), "absent value removes");
        SnapshotInfo all = new SnapshotInfo("a", "", Kind.ACTIVE, Instant.EPOCH, Instant.EPOCH, Map.of("z", "3"));
        assertEquals(Map.of("z", "3"), sn.update(all, List.of()).labels());
        assertEquals(ErrorKind.INVALID_ARGUMENT, kindOf(() -> sn.update(all, List.of("parent"))));
        assertEquals(Map.of("z", "3"), sn.stat("a").labels());
    }

    @Test
    void removeHidesAtOnceAndCleanupDeletesTheDirectory() {
        sn.prepare("a", "", Map.of());
        sn.remove("a");
        assertEquals(ErrorKind.NOT_FOUND, kindOf(() -> sn.stat("a")));
        assertFalse(Files.exists(root.resolve("snapshots/1")));
        sn.cleanup();
        try (var s = Files.list(root.resolve("snapshots"))) {
            assertEquals(0, s.count());
        }
        catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
        sn.prepare("a", "", Map.of());
        assertEquals(fs("2").toString(), sn.mounts("a").get(0).source(), "ids are never reused");
    }

    @Test
    void reopeningKeepsSnapshotsAndDeletesUnownedDirectories() throws Exception {
        sn.prepare("a", "", Map.of());
        Files.writeString(fs("1").resolve("hello"), "hi");
        sn.commit("l1", "a", Map.of());
        sn.prepare("b", "l1", Map.of());
        Files.createDirectories(root.resolve("snapshots/new-crashed/fs"));
        Files.createDirectories(root.resolve("snapshots/99/fs"));
        sn.close();
        sn = OverlaySnapshotter.open(root, mounter, events);
        assertEquals(List.of("b", "l1"), sn.list(List.of()).stream().map(SnapshotInfo::name).toList());
        assertEquals("hi", Files.readString(fs("1").resolve("hello")));
        assertFalse(Files.exists(root.resolve("snapshots/new-crashed")));
        assertFalse(Files.exists(root.resolve("snapshots/99")));
    }

    @Test
    void listAppliesContainerdFilters() {
        mounter.mountSucceeds = false;
        sn.prepare("a", "", Map.of("containerd.io/snapshot.ref", "sha256:x"));
        sn.commit("l1", "a", Map.of("containerd.io/snapshot.ref", "sha256:x"));
        sn.prepare("b", "l1", Map.of());
        assertEquals(List.of("l1"), sn.list(List.of("labels.\"containerd.io/snapshot.ref\"==sha256:x,parent==\"\""))
                .stream().map(SnapshotInfo::name).toList());
        assertEquals(List.of("b"), sn.list(List.of("kind==active")).stream().map(SnapshotInfo::name).toList());
    }

    private static Map<String, String> layerLabels(String target) {
        return Map.of(LayerLabels.TARGET_SNAPSHOT_REF, target,
                LayerLabels.STARGZ_REFERENCE, "127.0.0.1:5000/img:1",
                LayerLabels.STARGZ_DIGEST, "sha256:" + "a".repeat(64));
    }

    @Test
    void mountedRemoteLayerIsCommittedAsTargetAndAnswersAlreadyExists() {
        SnapshotException e = assertThrows(SnapshotException.class,
                () -> sn.prepare("ns/1/extract-1 sha256:chain", "", layerLabels("sha256:chain")));
        assertEquals(ErrorKind.ALREADY_EXISTS, e.kind());
        assertEquals("target snapshot \"sha256:chain\": already exists", e.getMessage());
        assertEquals(List.of(fs("1")), mounter.mounted);
        SnapshotInfo info = sn.stat("sha256:chain");
        assertEquals(Kind.COMMITTED, info.kind());
        assertEquals(LayerLabels.REMOTE_VALUE, info.labels().get(LayerLabels.REMOTE));
        assertEquals("sha256:chain", info.labels().get(LayerLabels.TARGET_SNAPSHOT_REF));
        assertEquals(Usage.NONE, sn.usage("sha256:chain"), "remote layers are not walked");
        assertEquals(ErrorKind.NOT_FOUND, kindOf(() -> sn.stat("ns/1/extract-1 sha256:chain")));
        // what containerd's metadata layer looks for after ALREADY_EXISTS
        assertEquals(1, sn.list(List.of("labels.\"containerd.io/snapshot.ref\"==sha256:chain,parent==\"\"")).size());
        assertTrue(fallbacks.isEmpty());
    }

    @Test
    void containerOnRemoteLayerChecksItAndFailsUnavailableWhenItCannotServe() {
        assertThrows(SnapshotException.class, () -> sn.prepare("x", "", layerLabels("sha256:chain")));
        sn.prepare("ctr", "sha256:chain", Map.of());
        assertEquals(List.of(fs("1")), mounter.checked);
        mounter.available = false;
        assertEquals(ErrorKind.UNAVAILABLE, kindOf(() -> sn.mounts("ctr")));
        assertEquals(ErrorKind.UNAVAILABLE, kindOf(() -> sn.view("v", "sha256:chain", Map.of())));
    }

    @Test
    void unmountableLayerFallsBackToNormalSnapshotAndIsCounted() {
        mounter.mountSucceeds = false;
        List<Mount> m = sn.prepare("extract", "", layerLabels("sha256:chain"));
        assertEquals("bind", m.get(0).type());
        assertEquals(List.of(FallbackReason.NOT_ESTARGZ), fallbacks);
        assertEquals(Kind.ACTIVE, sn.stat("extract").kind());
        assertEquals(ErrorKind.NOT_FOUND, kindOf(() -> sn.stat("sha256:chain")));
    }

    @Test
    void restartRestoresRemoteSnapshotsAndSurvivesOneThatFails() {
        assertThrows(SnapshotException.class, () -> sn.prepare("x", "", layerLabels("sha256:chain")));
        sn.close();
        mounter.restoreSucceeds = false;
        sn = OverlaySnapshotter.open(root, mounter, events);
        assertEquals(List.of(fs("1")), mounter.restored);
        assertEquals(List.of(FallbackReason.REGISTRY_ERROR), restoreFailures);
        assertEquals(Kind.COMMITTED, sn.stat("sha256:chain").kind());
        sn.remove("sha256:chain");
        assertTrue(mounter.unmounted.contains(fs("1")));
    }
}
