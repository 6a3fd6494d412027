package dev.estargz.snapshotter.layerstore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.estargz.fusefs.cache.CacheOptions;
import dev.estargz.fusefs.cache.ChunkCache;
import dev.estargz.fusefs.fs.Attributes;
import dev.estargz.fusefs.fs.Errno;
import dev.estargz.fusefs.fs.FsException;
import dev.estargz.registry.Digest;
import dev.estargz.registry.RegistryClient;
import dev.estargz.registry.RegistryConfig;
import dev.estargz.registry.reference.ImageReference;
import dev.estargz.snapshotter.config.DaemonConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The store's own names, without a mount and without a registry (nothing listens where the reference points). */
class StoreTreeTest {
    private static final String REF = "127.0.0.1:1/app:1";
    private static final String REF_DIR = "/" + b64(REF);
    private static final String LAYER_DIR = REF_DIR + "/" + Digest.sha256(new byte[] {1});

    StoreLayers layers;
    StoreTree tree;

    @BeforeEach
    void open() throws IOException {
        layers = new StoreLayers(DaemonConfig.DEFAULTS, RegistryClient.create(RegistryConfig.builder().build()),
                ChunkCache.open(CacheOptions.memoryOnly(1 << 20)));
        tree = new StoreTree(layers, "test store");
    }

    @AfterEach
    void close() {
        layers.close();
    }

    @Test
    void rootReferenceAndLayerDirectoriesAreReadOnlyDirectoriesWithStableHandles() throws FsException {
        for (String path : new String[] {"/", REF_DIR, LAYER_DIR}) {
            long node = tree.resolve(path);
            assertEquals(node, tree.resolve(path));
            Attributes a = tree.attributes(node);
            assertEquals(0040500, a.mode(), path);
            assertEquals(Errno.EISDIR, assertThrows(FsException.class, () -> tree.checkOpen(node, 0)).errno());
        }
        assertTrue(tree.resolve(REF_DIR) != tree.resolve(LAYER_DIR));
    }

    @Test
    void namesContainersStorageWouldNotMakeAreInvalid() {
        for (String path : new String[] {"/!!notbase64", "/" + b64("not a ref!"), REF_DIR + "/sha256:xyz",
                REF_DIR + "/notadigest/diff"}) {
            assertEquals(Errno.EINVAL, assertThrows(FsException.class, () -> tree.resolve(path)).errno(), path);
        }
    }

    @Test
    void useNeverExistsAndCreatingItCountsAUse() throws IOException {
        assertEquals(Errno.ENOENT, assertThrows(FsException.class, () -> tree.resolve(LAYER_DIR + "/use")).errno());
        assertEquals(Errno.ENOENT, assertThrows(FsException.class, () -> tree.resolve(LAYER_DIR + "/other")).errno());
        assertEquals(Errno.ENOENT, assertThrows(FsException.class, () -> tree.create(LAYER_DIR + "/use")).errno());
        assertEquals(Errno.ENOENT, assertThrows(FsException.class, () -> tree.create(LAYER_DIR + "/use")).errno());
        // two uses; removing the directory releases one and still answers ENOENT
        assertEquals(Errno.ENOENT, assertThrows(FsException.class, () -> tree.rmdir(LAYER_DIR)).errno());
        LayerKey key = new LayerKey(REF, ImageReference.parse(REF), Digest.sha256(new byte[] {1}));
        assertEquals(0, layers.release(key));
    }

    @Test
    void nothingElseCanBeMadeOrRemoved() {
        assertEquals(Errno.EROFS, assertThrows(FsException.class, () -> tree.create(REF_DIR + "/x")).errno());
        assertEquals(Errno.EROFS, assertThrows(FsException.class, () -> tree.create(LAYER_DIR + "/info")).errno());
        assertEquals(Errno.EROFS, assertThrows(FsException.class, () -> tree.rmdir(REF_DIR)).errno());
    }

    @Test
    void aLayerWhoseRegistryIsUnreachableIsAnIoErrorNotAHang() {
        for (String name : new String[] {"/info", "/diff", "/blob", "/diff/etc/passwd"}) {
            FsException e = assertThrows(FsException.class, () -> tree.resolve(LAYER_DIR + name));
            assertEquals(Errno.EIO, e.errno(), name);
        }
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }
}
