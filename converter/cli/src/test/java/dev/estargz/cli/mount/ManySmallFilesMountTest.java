package dev.estargz.cli.mount;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.estargz.format.writer.ConvertOptions;
import dev.estargz.format.writer.ConvertResult;
import dev.estargz.format.writer.EStargzConverter;
import dev.estargz.fusefs.mount.FsOptions;
import dev.estargz.fusefs.mount.MountedLayer;
import dev.estargz.registry.FileBlobSource;
import dev.estargz.testkit.Command;
import dev.estargz.testkit.StatTree;
import dev.estargz.testkit.TestLayers;
import dev.estargz.testkit.UnpackedTar;

/**
 * A layer of 100,000 small files (plus symlinks, hardlinks and xattrs among them) converted by our writer and
 * mounted through FUSE lists exactly like its {@code tar -x} under {@code stat}, {@code readlink} and
 * {@code getfattr} (every path), and a sample of 1 in 50 files reads the same under {@code sha256sum}. The heap
 * the mount keeps (index and all, measured after GC) is printed and bounded.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class ManySmallFilesMountTest {
    private static final Set<String> LANDMARKS = Set.of("./.prefetch.landmark", "./.no.prefetch.landmark");

    @TempDir
    static Path tmp;
    private static LayerMounts mounts;
    private static MountedLayer mounted;
    private static UnpackedTar unpacked;
    private static long mountHeapBytes;
    private static Path shm;

    @BeforeAll
    static void mount() throws IOException, InterruptedException {
        Path tar = TestLayers.smallFiles();
        Path blob = tmp.resolve("small.esgz");
        ConvertResult converted = new EStargzConverter().convert(tar, blob,
                ConvertOptions.defaults().withCompressionLevel(1));
        // Neither prefetch nor background fetch: the heap measured below is the mount's own, not cached chunks.
        mounts = new LayerMounts(tmp.resolve("m"), FsOptions.defaults().withNoPrefetch(true)
                .withNoBackgroundFetch(true));
        long before = usedHeapAfterGc();
        mounted = mounts.mount("small", FileBlobSource.open(blob), converted.blobDigest(), converted.tocDigest());
        mountHeapBytes = usedHeapAfterGc() - before;
        int entries = mounted.layer().index().tocEntries();
        System.out.printf("100k small files: %d TOC entries, %d nodes; heap kept by the mount %d bytes"
                + " (%.1f bytes per TOC entry); blob %d bytes%n", entries, mounted.layer().index().nodeCount(),
                mountHeapBytes, (double) mountHeapBytes / entries, converted.blobSize());
        // tmpfs: creating and deleting 100k files on this ext4 takes ~45 s, on tmpfs a few.
        shm = Files.createTempDirectory(Path.of("/dev/shm"), "estargz-small-");
        unpacked = UnpackedTar.of(tar, shm.resolve("unpacked"));
    }

    @AfterAll
    static void unmount() throws IOException {
        try {
            if (mounts != null) {
                mounts.close();
            }
        } finally {
            if (shm != null) {
                Command.of("rm", "-rf", "--one-file-system", shm.toString()).check();
            }
        }
    }

    @Test
    void everyPathListsAsTheUnpackedTarAndASampleReadsTheSame() throws IOException {
        StatTree expected = unpacked.listing();
        StatTree actual = unpacked.sameRules(StatTree.of(mounted.mountPoint())).without(LANDMARKS);
        assertTrue(expected.stats().size() > 100_000, expected.toString());
        assertEquals(expected.paths(), actual.paths(), "find | sort of the unpacked tar and of the mount");
        expected.assertSameAs(actual, "100k small files mounted vs the tar unpacked");

        List<String> sample = new ArrayList<>();
        List<String> files = expected.regularFiles();
        for (int i = 0; i < files.size(); i += 50) {
            sample.add(files.get(i));
        }
        assertTrue(expected.assertSameContents(actual, sample) >= 2000);
    }

    @Test
    void theMountKeepsACompactIndexOnTheHeap() {
        // ~11.5 MB measured (~115 bytes per TOC entry, the index itself ~94); a mount that kept the parsed TOC
        // (a record and strings per entry) would hold several times that.
        assertTrue(mountHeapBytes < 32L << 20, "heap kept by a mount of 100k entries: " + mountHeapBytes);
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return memory.getHeapMemoryUsage().getUsed();
    }
}
