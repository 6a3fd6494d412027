package dev.estargz.fusefs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.estargz.fusefs.cache.CacheOptions;
import dev.estargz.fusefs.cache.ChunkCache;
import dev.estargz.fusefs.mount.FsOptions;
import dev.estargz.fusefs.mount.LayerMounter;
import dev.estargz.fusefs.mount.LayerSource;
import dev.estargz.fusefs.mount.MountedLayer;
import dev.estargz.fusefs.testing.Mounts;
import dev.estargz.fusefs.testing.Sh;
import dev.estargz.fusefs.testing.TestLayer;
import dev.estargz.registry.FileBlobSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link MountedLayer#isServing()}, which the snapshotter asks for every layer on each container start instead of
 * reading the mount table: true while mounted, false once the mount is gone from outside (unmounted, or lazily
 * detached while a file on it is still open) or closed.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class MountLivenessTest {
    @TempDir
    Path tmp;
    private FileBlobSource blob;

    @AfterEach
    void cleanUp() throws IOException {
        Mounts.unmountAllUnder(tmp);
        if (blob != null) {
            blob.close();
        }
    }

    private MountedLayer mount() throws IOException {
        Path tree = Files.createDirectories(tmp.resolve("tree"));
        Files.writeString(tree.resolve("hello"), "hello\n");
        TestLayer layer = TestLayer.convert(TestLayer.tar(tree, tmp.resolve("layer.tar")), tmp.resolve("layer.esgz"),
                List.of());
        blob = FileBlobSource.open(layer.blob());
        LayerMounter mounter = new LayerMounter(ChunkCache.open(CacheOptions.memoryOnly(1 << 20)),
                FsOptions.defaults().withNoBackgroundFetch(true));
        return mounter.mount(new LayerSource(blob, layer.blobDigest(), layer.tocDigest()),
                Files.createDirectories(tmp.resolve("mnt")));
    }

    @Test
    void aMountUnmountedFromOutsideNoLongerServes() throws Exception {
        MountedLayer m = mount();
        assertTrue(m.isServing());
        assertEquals("hello\n", Files.readString(m.mountPoint().resolve("hello")));
        Sh.run(null, "umount", m.mountPoint().toString());
        assertFalse(m.isServing());
        m.close();
        assertFalse(m.isServing());
    }

    @Test
    void aLazilyDetachedMountNoLongerServesAlthoughItsSessionLives() throws Exception {
        MountedLayer m = mount();
        // a file held open keeps the detached connection, and the session, alive: the mount point must still count
        // as gone, since an overlay made over it now would see the empty directory underneath
        try (var held = Files.newInputStream(m.mountPoint().resolve("hello"))) {
            Sh.run(null, "umount", "-l", m.mountPoint().toString());
            assertFalse(m.isServing());
            assertEquals('h', held.read(), "the detached mount still serves the open file");
        }
        m.close();
        assertFalse(m.isServing());
    }

    @Test
    void aClosedMountNoLongerServes() throws IOException {
        MountedLayer m = mount();
        assertTrue(m.isServing());
        m.close();
        assertFalse(m.isServing());
    }
}
