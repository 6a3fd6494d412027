package dev.estargz.fusefs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.estargz.fusefs.cache.CacheOptions;
import dev.estargz.fusefs.cache.ChunkCache;
import dev.estargz.fusefs.mount.FsOptions;
import dev.estargz.fusefs.mount.LayerMounter;
import dev.estargz.fusefs.mount.LayerSource;
import dev.estargz.fusefs.mount.MountedLayer;
import dev.estargz.fusefs.testing.Mounts;
import dev.estargz.fusefs.testing.Sh;
import dev.estargz.fusefs.testing.TestLayer;
import dev.estargz.fusefs.testing.TreeSnapshot;
import dev.estargz.registry.FileBlobSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * overlayfs over three FUSE-mounted layers (whiteouts of files and directories, an opaque directory) shows what
 * overlayfs shows over the same layers unpacked the way containerd applies them.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class OverlayTest {
    @TempDir
    Path tmp;
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void cleanUp() {
        Mounts.unmountAllUnder(tmp.resolve("overlay-fuse"));
        Mounts.unmountAllUnder(tmp.resolve("overlay-unpacked"));
        for (int i = open.size() - 1; i >= 0; i--) {
            try {
                open.get(i).close();
            } catch (Exception e) {
                System.err.println("cleanup: " + e);
            }
        }
        Mounts.unmountAllUnder(tmp);
    }

    private Path tree(String name, Map<String, String> files) throws IOException {
        Path root = Files.createDirectories(tmp.resolve("trees").resolve(name));
        for (Map.Entry<String, String> f : files.entrySet()) {
            Path p = root.resolve(f.getKey());
            Files.createDirectories(p.getParent());
            Files.writeString(p, f.getValue());
        }
        Sh.run(root, "find", ".", "-exec", "touch", "-h", "-d", "@1700000000", "{}", "+");
        return root;
    }

    @Test
    void overlayOverFuseLayersEqualsOverlayOverUnpackedLayers() throws IOException {
        List<Path> trees = List.of(
                tree("l1", Map.of("a/keep", "keep", "a/gone", "gone", "b/old", "old", "c", "c", "d/x", "x")),
                tree("l2", Map.of("a/.wh.gone", "", "b/.wh..wh..opq", "", "b/new", "new", "e", "e")),
                tree("l3", Map.of("a/added", "added", ".wh.d", "", ".wh.c", "", "e", "e changed")));
        LayerMounter mounter = new LayerMounter(ChunkCache.open(CacheOptions.memoryOnly(16 << 20)),
                FsOptions.defaults());
        List<String> fuseLowers = new ArrayList<>();
        List<String> unpackedLowers = new ArrayList<>();
        for (int i = 0; i < trees.size(); i++) {
            TestLayer layer = TestLayer.convert(TestLayer.tar(trees.get(i), tmp.resolve("l" + i + ".tar")),
                    tmp.resolve("l" + i + ".esgz"), List.of());
            FileBlobSource blob = FileBlobSource.open(layer.blob());
            open.add(blob);
            MountedLayer m = mounter.mount(new LayerSource(blob, layer.blobDigest(), layer.tocDigest()),
                    Files.createDirectories(tmp.resolve("fuse" + i)));
            open.add(m);
            fuseLowers.add(0, m.mountPoint().toString());
            unpackedLowers.add(0, applyLikeContainerd(layer.unpack(tmp.resolve("unpacked" + i))).toString());
        }
        Path fuseView = overlay(tmp.resolve("overlay-fuse"), fuseLowers);
        Path unpackedView = overlay(tmp.resolve("overlay-unpacked"), unpackedLowers);

        TreeSnapshot expected = TreeSnapshot.of(unpackedView);
        expected.assertSameAs(TreeSnapshot.of(fuseView));
        assertEquals(List.of("a", "b", "e"), Sh.run(fuseView, "ls").lines().toList());
        assertEquals(List.of("added", "keep"), Sh.run(fuseView.resolve("a"), "ls").lines().toList());
        assertEquals(List.of("new"), Sh.run(fuseView.resolve("b"), "ls").lines().toList());
        assertFalse(Files.exists(fuseView.resolve("d")));
    }

    /** Whiteout files become 0:0 char devices and opaque markers the trusted.overlay.opaque xattr. */
    private static Path applyLikeContainerd(Path root) throws IOException {
        List<Path> markers;
        try (Stream<Path> s = Files.walk(root)) {
            markers = s.filter(p -> p.getFileName().toString().startsWith(".wh.")).toList();
        }
        for (Path p : markers) {
            String name = p.getFileName().toString();
            Files.delete(p);
            if (name.equals(".wh..wh..opq")) {
                Sh.run(null, "setfattr", "-n", "trusted.overlay.opaque", "-v", "y", p.getParent().toString());
            } else {
                Path target = p.resolveSibling(name.substring(4));
                Sh.run(null, "mknod", target.toString(), "c", "0", "0");
                Sh.run(null, "touch", "-h", "-d", "@1700000000", target.toString());
            }
            Sh.run(null, "touch", "-h", "-d", "@1700000000", p.getParent().toString());
        }
        return root;
    }

    private static Path overlay(Path target, List<String> lowers) throws IOException {
        Files.createDirectories(target);
        Sh.run(null, "mount", "-t", "overlay", "overlay", "-o", "lowerdir=" + String.join(":", lowers),
                target.toString());
        return target;
    }
}
