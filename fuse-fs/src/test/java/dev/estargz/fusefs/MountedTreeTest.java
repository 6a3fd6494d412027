package dev.estargz.fusefs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import dev.estargz.registry.BlobSource;
import dev.estargz.registry.RegistryClient;
import dev.estargz.testkit.RegistryProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A layer holding every entry type (xattrs, hardlinks, devices, long and non-ASCII names, a 200 MB file of
 * zeros), served lazily from a real registry through a real FUSE mount, looks to {@code stat}, {@code getfattr}
 * and {@code cmp} exactly like the tree GNU tar unpacks from the same tar.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class MountedTreeTest {
    @TempDir
    static Path tmp;
    private static RegistryProcess registry;
    private static RegistryClient client;
    private static TestLayer layer;
    private static BlobSource blob;
    private static MountedLayer mounted;
    private static Path unpacked;

    @BeforeAll
    static void mountLayer() throws IOException {
        Path tree = tmp.resolve("tree");
        Sh.run(null, Sh.script("make-tree.sh").toString(), tree.toString(), "200M");
        layer = TestLayer.convert(TestLayer.tar(tree, tmp.resolve("layer.tar")), tmp.resolve("layer.esgz"),
                List.of());
        unpacked = layer.unpack(tmp.resolve("unpacked"));
        registry = RegistryProcess.startPlain();
        client = RegistryClient.create(registry.clientConfig().build());
        blob = Mounts.push(registry, client, "tree", layer);
        ChunkCache cache = ChunkCache.open(CacheOptions.onDisk(tmp.resolve("cache")));
        LayerMounter mounter = new LayerMounter(cache, FsOptions.defaults().withNoBackgroundFetch(true));
        mounted = mounter.mount(new LayerSource(blob, layer.blobDigest(), layer.tocDigest()),
                Files.createDirectories(tmp.resolve("mnt")));
    }

    @AfterAll
    static void unmount() throws IOException {
        try {
            if (mounted != null) {
                mounted.close();
            }
        } finally {
            Mounts.unmountAllUnder(tmp);
            if (client != null) {
                client.close();
            }
            if (registry != null) {
                registry.close();
            }
        }
    }

    @Test
    void mountedTreeLooksLikeTheUnpackedTar() throws IOException {
        TreeSnapshot.of(unpacked).assertSameAs(TreeSnapshot.of(mounted.mountPoint()));
        Sh.run(null, "cmp", unpacked.resolve("dir/huge-zeros.img").toString(),
                mounted.mountPoint().resolve("dir/huge-zeros.img").toString());
    }

    @Test
    void hardlinksShareOneInode() throws IOException {
        Path m = mounted.mountPoint();
        String out = Sh.run(m, "stat", "-c", "%i %h", "dir/hello.txt", "dir/hard1", "dir/sub/hard2");
        List<String> lines = out.lines().toList();
        assertEquals(3, lines.size());
        assertEquals(1, lines.stream().distinct().count(), out);
        assertTrue(lines.get(0).endsWith(" 3"), out);
    }

    @Test
    void stateFileAnswersLookupButIsNotListed() throws IOException {
        Path m = mounted.mountPoint();
        assertFalse(Sh.run(m, "ls", "-a").contains(".stargz-snapshotter"));
        assertEquals("dr-x------ 0 0", Sh.run(m, "stat", "-c", "%A %u %g", ".stargz-snapshotter").trim());
        Path state = m.resolve(".stargz-snapshotter").resolve(layer.blobDigest() + ".json");
        JsonNode json = new ObjectMapper().readTree(Files.readString(state));
        assertEquals(layer.blobDigest().toString(), json.get("digest").asText());
        assertEquals(Files.size(layer.blob()), json.get("size").asLong());
        assertTrue(json.get("fetchedSize").asLong() > 0 && json.get("fetchedSize").asLong() <= json.get("size").asLong());
        assertTrue(json.has("fetchedPercent"));
        assertEquals(List.of(layer.blobDigest() + ".json"), Sh.run(m, "ls", ".stargz-snapshotter").lines().toList());
    }

    @Test
    void statfsReportsFourKibBlocksAndWritesAreRefused() throws IOException {
        Path m = mounted.mountPoint();
        assertEquals("4096", Sh.run(m, "stat", "-f", "-c", "%S", ".").trim());
        IOException e = org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
                () -> Sh.run(m, "touch", "dir/new-file"));
        assertTrue(e.getMessage().contains("Read-only"), e.getMessage());
    }
}
