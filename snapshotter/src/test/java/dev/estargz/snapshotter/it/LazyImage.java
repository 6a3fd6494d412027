package dev.estargz.snapshotter.it;

import dev.estargz.format.writer.ConvertOptions;
import dev.estargz.format.writer.ConvertResult;
import dev.estargz.format.writer.EStargzConverter;
import dev.estargz.registry.Digest;
import dev.estargz.registry.RegistryClient;
import dev.estargz.registry.manifest.MediaTypes;
import dev.estargz.registry.manifest.Platform;
import dev.estargz.registry.reference.ImageReference;
import dev.estargz.testkit.TestImage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * A two-layer eStargz image made by our converter and pushed with the TOC digest annotation on each layer: busybox
 * (from busybox-static) plus a 4 MiB random file no test command reads, then a layer with a whiteout of a file and
 * of a directory entry and an opaque directory.
 */
final class LazyImage {
    static final String TOC_DIGEST = "containerd.io/snapshot/stargz/toc.digest";
    static final String UNCOMPRESSED_SIZE = "io.containers.estargz.uncompressed-size";
    /** Prints what overlayfs semantics decide: whiteouts, opaque dir, files of both layers. */
    static final String PROBE = "ls -a /keep /opq; cat /keep/b /keep/c /opq/new; ls /gone 2>&1; cat /etc/hostname";
    static final int BIG = 4 << 20;

    final TestImage pushed;
    final List<ConvertResult> layers;
    final String bigSha256;

    private LazyImage(TestImage pushed, List<ConvertResult> layers, String bigSha256) {
        this.pushed = pushed;
        this.layers = layers;
        this.bigSha256 = bigSha256;
    }

    static LazyImage push(RegistryClient client, ImageReference target, Path work) throws IOException {
        byte[] big = new byte[BIG];
        new Random(42).nextBytes(big);
        Path l1 = work.resolve("l1.tar");
        try (TarArchiveOutputStream t = tar(l1)) {
            dir(t, "bin/");
            file(t, "bin/busybox", Files.readAllBytes(Path.of("/bin/busybox")), 0755);
            for (String applet : List.of("sh", "echo", "cat", "ls", "sleep")) {
                TarArchiveEntry e = new TarArchiveEntry("bin/" + applet, TarConstants.LF_SYMLINK);
                e.setLinkName("busybox");
                t.putArchiveEntry(e);
                t.closeArchiveEntry();
            }
            dir(t, "etc/");
            file(t, "etc/hostname", "estargz-lazy\n".getBytes(StandardCharsets.UTF_8), 0644);
            dir(t, "data/");
            file(t, "data/big", big, 0644);
            dir(t, "keep/");
            file(t, "keep/a", "a1\n".getBytes(StandardCharsets.UTF_8), 0644);
            file(t, "keep/b", "b1\n".getBytes(StandardCharsets.UTF_8), 0644);
            dir(t, "opq/");
            file(t, "opq/old", "old\n".getBytes(StandardCharsets.UTF_8), 0644);
            file(t, "gone", "gone\n".getBytes(StandardCharsets.UTF_8), 0644);
        }
        Path l2 = work.resolve("l2.tar");
        try (TarArchiveOutputStream t = tar(l2)) {
            file(t, ".wh.gone", new byte[0], 0644);
            dir(t, "keep/");
            file(t, "keep/.wh.a", new byte[0], 0644);
            file(t, "keep/c", "c2\n".getBytes(StandardCharsets.UTF_8), 0644);
            dir(t, "opq/");
            file(t, "opq/.wh..wh..opq", new byte[0], 0644);
            file(t, "opq/new", "new\n".getBytes(StandardCharsets.UTF_8), 0644);
        }
        List<ConvertResult> results = new ArrayList<>();
        List<TestImage.Layer> layers = new ArrayList<>();
        for (Path tar : List.of(l1, l2)) {
            Path blob = work.resolve(tar.getFileName() + ".esgz");
            ConvertResult r = new EStargzConverter().convert(tar, blob, ConvertOptions.defaults());
            results.add(r);
            layers.add(new TestImage.Layer(Files.readAllBytes(blob), MediaTypes.OCI_LAYER_GZIP, r.diffId(),
                    Map.of(TOC_DIGEST, r.tocDigest().toString(), UNCOMPRESSED_SIZE,
                            Long.toString(r.uncompressedSize()))));
        }
        TestImage img = TestImage.push(client, target, Platform.parse("linux/amd64"), layers);
        return new LazyImage(img, results, Digest.sha256(big).hex());
    }

    /** Blob bytes of every layer together. */
    long blobBytes() {
        return layers.stream().mapToLong(ConvertResult::blobSize).sum();
    }

    private static TarArchiveOutputStream tar(Path p) throws IOException {
        OutputStream out = Files.newOutputStream(p);
        TarArchiveOutputStream t = new TarArchiveOutputStream(out);
        t.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        return t;
    }

    private static void dir(TarArchiveOutputStream t, String name) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setMode(040755);
        t.putArchiveEntry(e);
        t.closeArchiveEntry();
    }

    private static void file(TarArchiveOutputStream t, String name, byte[] data, int mode) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setMode(0100000 | mode);
        e.setSize(data.length);
        t.putArchiveEntry(e);
        t.write(data);
        t.closeArchiveEntry();
    }
}
