package dev.estargz.cli.mount;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
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
import dev.estargz.testkit.StatTree;
import dev.estargz.testkit.TestLayers;
import dev.estargz.testkit.UnpackedTar;

/**
 * A debootstrap'd Debian rootfs layer, converted by our writer, served by a real {@code docker-registry} through
 * ranged reads and mounted through FUSE, looks to {@code stat}, {@code readlink}, {@code getfattr} and
 * {@code sha256sum} exactly like the tree {@code tar -x} unpacks from the source layer (every file's content read
 * through the mount, lazily from the registry).
 */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class DebootstrapRegistryMountTest {
    private static final Set<String> LANDMARKS = Set.of("./.prefetch.landmark", "./.no.prefetch.landmark");

    @TempDir
    static Path tmp;
    private static TestRegistry registry;
    private static LayerMounts mounts;
    private static MountedLayer mounted;
    private static UnpackedTar unpacked;

    @BeforeAll
    static void serveAndMount() throws IOException {
        Path source = TestLayers.debootstrap();
        Path blob = tmp.resolve("debootstrap.esgz");
        // Level 1 keeps the run short; 1 MiB chunks make the large files (libc, perl) span many chunks.
        ConvertResult converted = new EStargzConverter().convert(source, blob,
                ConvertOptions.defaults().withCompressionLevel(1).withChunkSize(1 << 20));
        registry = TestRegistry.start();
        mounts = new LayerMounts(tmp.resolve("m"), FsOptions.defaults());
        mounted = mounts.mount("rootfs", registry.push("debootstrap", blob, converted.blobDigest()),
                converted.blobDigest(), converted.tocDigest());
        unpacked = UnpackedTar.of(source, tmp.resolve("unpacked"));
    }

    @AfterAll
    static void stop() {
        try {
            if (mounts != null) {
                mounts.close();
            }
        } finally {
            if (registry != null) {
                registry.close();
            }
        }
    }

    @Test
    void mountedRootfsEqualsItsTarUnpacked() throws IOException {
        StatTree expected = unpacked.listing();
        StatTree actual = unpacked.sameRules(StatTree.of(mounted.mountPoint())).without(LANDMARKS);
        expected.assertSameAs(actual, "debootstrap layer mounted from the registry vs its tar unpacked");
        int files = expected.assertSameContents(actual, expected.regularFiles());
        assertTrue(files > 3000, "a minbase rootfs has thousands of files, compared " + files);
        System.out.printf("debootstrap: %d paths, %d regular files compared; %d xattr dumps%n", expected.stats()
                .size(), files, expected.xattrs().size());
    }
}
