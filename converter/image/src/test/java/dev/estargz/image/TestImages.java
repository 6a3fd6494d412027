package dev.estargz.image;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.luben.zstd.ZstdOutputStream;
import dev.estargz.registry.Digest;
import dev.estargz.registry.RegistryClient;
import dev.estargz.registry.manifest.Descriptor;
import dev.estargz.registry.manifest.ImageIndex;
import dev.estargz.registry.manifest.MediaTypes;
import dev.estargz.registry.manifest.Platform;
import dev.estargz.registry.reference.ImageReference;
import dev.estargz.testkit.InMemoryBlob;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

/**
 * Small images built in the test: layer tars made here (plain, gzip, zstd), a config with labels and history, and
 * manifests and indexes with annotations, pushed with our registry client.
 */
final class TestImages {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Platform AMD64 = Platform.parse("linux/amd64");
    static final Platform ARM64 = Platform.parse("linux/arm64");

    private TestImages() {
    }

    /** A layer: the uncompressed tar and the blob as pushed. */
    record Layer(byte[] tar, byte[] blob, String mediaType) {
        Digest diffId() {
            return Digest.sha256(tar);
        }

        Descriptor descriptor() {
            return new Descriptor(mediaType, Digest.sha256(blob), blob.length, Map.of("test.layer", "kept"), null,
                    List.of());
        }
    }

    /** A tar with a directory and the given files (name → content), with mode 0644 and a fixed mtime. */
    static byte[] tar(Map<String, byte[]> files) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (TarArchiveOutputStream t = new TarArchiveOutputStream(bos)) {
            t.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            java.util.Set<String> dirs = new java.util.TreeSet<>();
            for (String name : files.keySet()) {
                for (int i = name.indexOf('/'); i > 0; i = name.indexOf('/', i + 1)) {
                    dirs.add(name.substring(0, i + 1));
                }
            }
            for (String d : dirs) {
                TarArchiveEntry e = new TarArchiveEntry(d);
                e.setMode(040755);
                e.setModTime(1_700_000_000_000L);
                t.putArchiveEntry(e);
                t.closeArchiveEntry();
            }
            for (var f : files.entrySet()) {
                TarArchiveEntry e = new TarArchiveEntry(f.getKey());
                e.setSize(f.getValue().length);
                e.setMode(0100644);
                e.setModTime(1_700_000_000_000L);
                t.putArchiveEntry(e);
                t.write(f.getValue());
                t.closeArchiveEntry();
            }
        }
        return bos.toByteArray();
    }

    /** Random (incompressible) bytes, reproducible from the seed. */
    static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    static byte[] text(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static Layer gzipLayer(byte[] tar) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (OutputStream o = new GZIPOutputStream(bos)) {
            o.write(tar);
        }
        return new Layer(tar, bos.toByteArray(), MediaTypes.OCI_LAYER_GZIP);
    }

    static Layer zstdLayer(byte[] tar) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (OutputStream o = new ZstdOutputStream(bos)) {
            o.write(tar);
        }
        return new Layer(tar, bos.toByteArray(), MediaTypes.OCI_LAYER_ZSTD);
    }

    static Layer plainLayer(byte[] tar) {
        return new Layer(tar, tar, MediaTypes.OCI_LAYER);
    }

    /** A layer whose bytes are not a tar at all (gzip of text). */
    static Layer notATar() throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (OutputStream o = new GZIPOutputStream(bos)) {
            o.write(text("this is not a tar archive, just some text that is long enough to be read ".repeat(20)));
        }
        return new Layer(bos.toByteArray(), bos.toByteArray(), MediaTypes.OCI_LAYER_GZIP);
    }

    /** The two standard layers of the test images for a platform. */
    static List<Layer> layersFor(Platform p) throws IOException {
        byte[] base = tar(new LinkedHashMap<>(Map.of(
                "etc/os-release", text("NAME=test-" + p.architecture() + "\n"),
                "bin/tool", random(300_000, p.architecture().hashCode()),
                "usr/share/doc/readme", text("hello ".repeat(50_000)))));
        byte[] app = tar(Map.of("app/run.sh", text("#!/bin/sh\necho hi\n"), "app/data.bin", random(70_000, 7)));
        if (p.architecture().equals("amd64")) {
            return List.of(gzipLayer(base), zstdLayer(app));
        }
        return List.of(gzipLayer(base), plainLayer(app));
    }

    /** A pushed image: its manifest descriptor (with platform) and config bytes. */
    record Pushed(Descriptor descriptor, byte[] config, byte[] manifest) {
    }

    /** Pushes an image with labels, history and manifest annotations; tag is optional (null: by digest only). */
    static Pushed push(RegistryClient c, ImageReference repo, Platform p, List<Layer> layers, String tag)
            throws IOException {
        ObjectNode cfg = JSON.createObjectNode();
        cfg.put("architecture", p.architecture());
        cfg.put("os", p.os());
        cfg.putObject("config").putObject("Labels").put("org.example.label", "kept");
        ObjectNode rootfs = cfg.putObject("rootfs");
        rootfs.put("type", "layers");
        ArrayNode ids = rootfs.putArray("diff_ids");
        ArrayNode history = cfg.putArray("history");
        for (Layer l : layers) {
            ids.add(l.diffId().toString());
            history.addObject().put("created_by", "test layer " + ids.size());
        }
        byte[] config = JSON.writeValueAsBytes(cfg);
        c.pushBlob(repo, Digest.sha256(config), new InMemoryBlob(config), null);
        ObjectNode m = JSON.createObjectNode();
        m.put("schemaVersion", 2);
        m.put("mediaType", MediaTypes.OCI_MANIFEST);
        m.putObject("config").put("mediaType", MediaTypes.OCI_CONFIG).put("digest", Digest.sha256(config).toString())
                .put("size", config.length);
        ArrayNode ls = m.putArray("layers");
        for (Layer l : layers) {
            c.pushBlob(repo, Digest.sha256(l.blob()), new InMemoryBlob(l.blob()), null);
            ls.addObject().put("mediaType", l.mediaType()).put("digest", Digest.sha256(l.blob()).toString())
                    .put("size", l.blob().length).putObject("annotations").put("test.layer", "kept");
        }
        m.putObject("annotations").put("org.example.manifest", "kept");
        byte[] manifest = JSON.writeValueAsBytes(m);
        Digest d = Digest.sha256(manifest);
        c.pushManifest(tag == null ? repo.withDigest(d) : repo.withTag(tag), manifest, MediaTypes.OCI_MANIFEST);
        return new Pushed(new Descriptor(MediaTypes.OCI_MANIFEST, d, manifest.length, Map.of(), p, List.of()), config,
                manifest);
    }

    /** Pushes one image per platform and an annotated OCI index over them under {@code tag}. */
    static Digest pushIndex(RegistryClient c, ImageReference repo, String tag, Map<Platform, List<Layer>> images)
            throws IOException {
        List<Descriptor> entries = new ArrayList<>();
        for (var e : images.entrySet()) {
            entries.add(push(c, repo, e.getKey(), e.getValue(), null).descriptor());
        }
        return c.pushIndex(repo.withTag(tag), new ImageIndex(MediaTypes.OCI_INDEX, entries,
                Map.of("org.example.index", "kept")));
    }
}
