package dev.estargz.cli.mount;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.estargz.fusefs.mount.FsOptions;
import dev.estargz.fusefs.mount.MountedLayer;
import dev.estargz.registry.Digest;
import dev.estargz.registry.FileBlobSource;
import dev.estargz.testkit.GoChecker;
import dev.estargz.testkit.OciArchive;
import dev.estargz.testkit.ReferenceConversion;
import dev.estargz.testkit.StatTree;
import dev.estargz.testkit.UnpackedTar;

/**
 * Layers converted by the reference {@code ctr-remote}, mounted through a real FUSE mount (TOC checked against
 * ctr-remote's annotation), look to {@code stat}, {@code readlink}, {@code getfattr} and {@code sha256sum}
 * exactly like the tree {@code tar -x} unpacks from the source layer, overlayfs whiteout conventions applied.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ReferenceBlobMountTest {
    /** What ctr-remote adds at the root of a layer besides the source tree. */
    private static final Set<String> LANDMARKS = Set.of("./.prefetch.landmark", "./.no.prefetch.landmark");

    @TempDir
    static Path tmp;
    private static ReferenceConversion converted;
    private static LayerMounts mounts;

    @BeforeAll
    static void convert() throws IOException {
        converted = ReferenceConversion.run(Files.createDirectories(tmp.resolve("ref")), GoChecker.build());
        mounts = new LayerMounts(tmp.resolve("m"), FsOptions.defaults());
    }

    @AfterAll
    static void unmount() {
        if (mounts != null) {
            mounts.close();
        }
    }

    @Test
    void ctrRemoteBusyboxLayerMountsAsItsSourceUnpacks() throws IOException {
        assertMountsAsUnpacked("busybox", converted.busybox(), converted.busyboxLayer());
    }

    @Test
    void ctrRemoteSyntheticLayerMountsAsItsSourceUnpacks() throws IOException {
        StatTree expected = assertMountsAsUnpacked("synthetic", converted.synthetic(), converted.syntheticTar());
        // The comparison covered what makes this layer hard: xattrs (an empty one too), a whiteout, an opaque
        // directory, devices. (The tar's 7-byte security.capability is not a valid capability: the kernel refuses
        // it on ext4 and on the mount alike, so neither side lists it.)
        assertTrue(expected.xattrs().get("etc/xattrs").contains("user.empty=0x"), expected.xattrs().toString());
        assertTrue(expected.xattrs().get("opt").contains("trusted.overlay.opaque=0x79"), expected.xattrs()
                .toString());
        assertTrue(expected.stats().get("./var/removed").startsWith("character special file 0 "),
                expected.stats().toString());
        assertTrue(expected.stats().get("./dev/sda").endsWith("dev=8:0"), expected.stats().toString());
    }

    private static StatTree assertMountsAsUnpacked(String name, OciArchive.Layer layer, Path source) throws IOException {
        UnpackedTar unpacked = UnpackedTar.of(source, tmp.resolve(name + "-unpacked"));
        MountedLayer m = mounts.mount(name, FileBlobSource.open(layer.blob()), Digest.parse(layer.digest()),
                Digest.parse(ReferenceConversion.tocDigest(layer)));
        StatTree expected = unpacked.listing().asLayerMountShowsIt();
        StatTree actual = unpacked.sameRules(StatTree.of(m.mountPoint())).without(LANDMARKS);
        expected.assertSameAs(actual, "ctr-remote " + name + " layer mounted vs its source unpacked");
        expected.assertSameContents(actual, expected.regularFiles());
        return expected;
    }
}
