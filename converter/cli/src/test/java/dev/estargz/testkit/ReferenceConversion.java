package dev.estargz.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;

/**
 * The layers the reference converter makes from two sources: the busybox rootfs layer and the synthetic
 * every-entry-type PAX tar, converted by {@code ctr-remote image convert --estargz --oci} (64 KiB chunks) in a
 * private containerd and exported again. Shared by the reader tests and the mount tests, so both judge the same
 * ctr-remote output.
 *
 * @param syntheticTar the uncompressed source tar of {@code synthetic}
 * @param busyboxLayer the gzip source layer of {@code busybox}
 * @param busybox      ctr-remote's conversion of {@code busyboxLayer}
 * @param synthetic    ctr-remote's conversion of {@code syntheticTar}
 */
public record ReferenceConversion(Path syntheticTar, Path busyboxLayer, OciArchive.Layer busybox,
        OciArchive.Layer synthetic) {

    /** Makes the sources and converts them with ctr-remote, all under {@code dir} (short: it holds a socket). */
    public static ReferenceConversion run(Path dir, GoChecker go) throws IOException {
        Path syntheticTar = dir.resolve("synthetic.tar");
        go.makeTar("pax", syntheticTar);
        Path syntheticLayer = gzip(syntheticTar, dir.resolve("synthetic.tar.gz"));
        Path busyboxLayer = TestLayers.busybox();

        Path archive = dir.resolve("source.oci.tar");
        OciArchive.write(archive, "test.local/estargz/source:1", List.of(busyboxLayer, syntheticLayer));
        List<OciArchive.Layer> converted;
        try (ContainerdProcess containerd = ContainerdProcess.start(Files.createDirectories(dir.resolve("ctd")))) {
            containerd.ctr("images", "import", "--no-unpack", archive.toString());
            containerd.ctr("images", "convert", "--estargz", "--oci", "--estargz-chunk-size", "65536",
                    "test.local/estargz/source:1", "test.local/estargz/esgz:1");
            Path exported = dir.resolve("esgz.oci.tar");
            containerd.ctr("images", "export", exported.toString(), "test.local/estargz/esgz:1");
            converted = OciArchive.readLayers(exported, Files.createDirectories(dir.resolve("esgz")));
        }
        if (converted.size() != 2) {
            throw new IOException("ctr-remote's image has " + converted.size() + " layers, expected 2");
        }
        return new ReferenceConversion(syntheticTar, busyboxLayer, converted.get(0), converted.get(1));
    }

    /** The TOC digest ctr-remote put in a layer's annotations; throws when it set none. */
    public static String tocDigest(OciArchive.Layer layer) {
        String d = layer.annotations().get(OciArchive.TOC_DIGEST_ANNOTATION);
        if (d == null) {
            throw new AssertionError("ctr-remote set no TOC digest annotation: " + layer.annotations());
        }
        return d;
    }

    /** Gzips {@code in} to {@code out}. */
    public static Path gzip(Path in, Path out) throws IOException {
        try (InputStream i = Files.newInputStream(in);
                OutputStream o = new GZIPOutputStream(Files.newOutputStream(out))) {
            i.transferTo(o);
        }
        return out;
    }
}
