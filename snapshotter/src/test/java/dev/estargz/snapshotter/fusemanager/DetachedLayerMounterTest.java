package dev.estargz.snapshotter.fusemanager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.estargz.snapshotter.remote.FallbackReason;
import dev.estargz.snapshotter.remote.LayerUnavailableException;
import dev.estargz.snapshotter.remote.MountOutcome;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The daemon's client against a real manager socket (MountServer) serving scripted layers; no FUSE involved. */
class DetachedLayerMounterTest {
    @TempDir
    Path dir;
    Path root;
    Path address;
    Path fs;
    Scripted layers = new Scripted();
    MountServer server;
    DetachedLayerMounter client;

    @BeforeEach
    void start() throws IOException {
        root = dir.resolve("root");
        address = dir.resolve("fm.sock");
        fs = root.resolve("snapshotter/snapshots/7/fs");
        server = MountServer.start(address, root, layers);
        // a launcher that fails: a test that needs a new manager must see the error, not start one
        client = DetachedLayerMounter.connect("/bin/false", address, dir.resolve("config.toml"), root, "info", 10);
    }

    @AfterEach
    void stop() {
        client.close();
        server.close();
    }

    @Test
    void mountOutcomesCrossTheSocketWithTheirReason() {
        assertInstanceOf(MountOutcome.Mounted.class, client.mount(fs, Map.of("k", "v")));
        assertEquals(List.of(fs), layers.mounted);
        layers.mountResult = new MountOutcome.NotMounted(FallbackReason.NOT_ESTARGZ, "no footer in blob sha256:ab");
        assertEquals(layers.mountResult, client.mount(fs, Map.of()));
    }

    @Test
    void aLayerTheManagerLostIsRestoredOnceThenChecked() throws Exception {
        client.check(fs, Map.of());
        assertEquals(List.of(fs), layers.restored);
        assertEquals(List.of(fs), layers.checked);

        Path other = root.resolve("snapshotter/snapshots/8/fs");
        layers.restoreResult = new MountOutcome.NotMounted(FallbackReason.REGISTRY_ERROR, "registry down");
        LayerUnavailableException e = assertThrows(LayerUnavailableException.class, () -> client.check(other, Map.of()));
        assertTrue(e.getMessage().contains("registry down"), e.getMessage());
        assertThrows(LayerUnavailableException.class, () -> client.check(other, Map.of()));
        assertEquals(List.of(fs, other), layers.restored, "a failed restore is not retried on every check");
    }

    @Test
    void theManagerOnlyTouchesSnapshotDirectories() {
        MountOutcome o = client.mount(dir.resolve("elsewhere"), Map.of());
        assertInstanceOf(MountOutcome.NotMounted.class, o);
        assertTrue(((MountOutcome.NotMounted) o).detail().contains("is not under"), o.toString());
        client.unmount(Path.of("/"));
        assertEquals(List.of(), layers.unmounted);
    }

    @Test
    void aManagerOfAnotherRootIsRefusedNotReplaced() {
        IOException e = assertThrows(IOException.class, () -> DetachedLayerMounter.connect("/bin/false", address,
                dir.resolve("config.toml"), dir.resolve("other-root"), "info", 10));
        assertTrue(e.getMessage().contains("serves root " + root), e.getMessage());
    }

    @Test
    void aDeadManagerIsStartedAgainAndALaunchFailureIsReported() throws IOException {
        server.close();
        client.unmount(fs); // no manager: nothing to unmount through it, and none is started for that
        MountOutcome o = client.mount(fs, Map.of());
        assertInstanceOf(MountOutcome.NotMounted.class, o);
        assertTrue(((MountOutcome.NotMounted) o).detail().contains("the fuse manager exited with 1"), o.toString());
        assertTrue(Files.exists(root.resolve("stargz-fuse-manager.log")));
        assertEquals(List.of(), layers.mounted);
    }

    /** Layers served "successfully" by remembering the mountpoints; results scripted per test. */
    static final class Scripted implements ServedLayers {
        volatile MountOutcome mountResult = MountOutcome.mounted();
        volatile MountOutcome restoreResult = MountOutcome.mounted();
        final Set<Path> served = ConcurrentHashMap.newKeySet();
        final List<Path> mounted = new CopyOnWriteArrayList<>();
        final List<Path> restored = new CopyOnWriteArrayList<>();
        final List<Path> checked = new CopyOnWriteArrayList<>();
        final List<Path> unmounted = new CopyOnWriteArrayList<>();

        @Override
        public MountOutcome mount(Path mountpoint, Map<String, String> labels) {
            if (mountResult instanceof MountOutcome.Mounted) {
                mounted.add(mountpoint);
                served.add(mountpoint);
            }
            return mountResult;
        }

        @Override
        public void check(Path mountpoint, Map<String, String> labels) {
            checked.add(mountpoint);
        }

        @Override
        public MountOutcome restore(Path mountpoint, Map<String, String> labels) {
            restored.add(mountpoint);
            if (restoreResult instanceof MountOutcome.Mounted) {
                served.add(mountpoint);
            }
            return restoreResult;
        }

        @Override
        public void unmount(Path mountpoint) {
            unmounted.add(mountpoint);
            served.remove(mountpoint);
        }

        @Override
        public boolean isServing(Path mountpoint) {
            return served.contains(mountpoint);
        }

        @Override
        public List<Path> mountpoints() {
            return List.copyOf(served);
        }
    }
}
