package dev.estargz.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

import dev.estargz.registry.Digest;

/**
 * OCI image archives (an image layout in a tar) as {@code ctr images import/export} read and write them:
 * enough to give containerd an image built from layer files, and to take a converted one apart again.
 */
public final class OciArchive {
    public static final String MANIFEST_TYPE = "application/vnd.oci.image.manifest.v1+json";
    public static final String LAYER_GZIP_TYPE = "application/vnd.oci.image.layer.v1.tar+gzip";
    /** The layer annotation carrying the TOC digest. */
    public static final String TOC_DIGEST_ANNOTATION = "containerd.io/snapshot/stargz/toc.digest";
    public static final String UNCOMPRESSED_SIZE_ANNOTATION = "io.containers.estargz.uncompressed-size";

    private static final ObjectMapper JSON = new ObjectMapper();

    private OciArchive() {
    }

    /** One layer of an exported image: its blob, extracted to a file, and its descriptor. */
    public record Layer(Path blob, String mediaType, String digest, long size, Map<String, String> annotations) {
    }

    /**
     * Writes an archive holding one linux/amd64 image named {@code imageName} (containerd reads the name from
     * the {@code io.containerd.image.name} annotation) whose layers are the given gzip layer tars.
     */
    public static void write(Path archive, String imageName, List<Path> gzipLayers) throws IOException {
        Map<String, byte[]> blobs = new HashMap<>();
        ArrayNode layers = JSON.createArrayNode();
        ArrayNode diffIds = JSON.createArrayNode();
        for (Path layer : gzipLayers) {
            byte[] bytes = Files.readAllBytes(layer);
            String digest = Digest.sha256(bytes).toString();
            blobs.put(digest, bytes);
            layers.addObject().put("mediaType", LAYER_GZIP_TYPE).put("digest", digest).put("size", bytes.length);
            diffIds.add(diffId(layer));
        }
        ObjectNode config = JSON.createObjectNode().put("architecture", "amd64").put("os", "linux");
        config.putObject("config").putArray("Cmd").add("/bin/sh");
        ObjectNode rootfs = config.putObject("rootfs").put("type", "layers");
        rootfs.set("diff_ids", diffIds);
        byte[] configBytes = JSON.writeValueAsBytes(config);
        String configDigest = put(blobs, configBytes);
        ObjectNode manifest = JSON.createObjectNode().put("schemaVersion", 2).put("mediaType", MANIFEST_TYPE);
        manifest.putObject("config").put("mediaType", "application/vnd.oci.image.config.v1+json")
                .put("digest", configDigest).put("size", configBytes.length);
        manifest.set("layers", layers);
        byte[] manifestBytes = JSON.writeValueAsBytes(manifest);
        String manifestDigest = put(blobs, manifestBytes);
        ObjectNode index = JSON.createObjectNode().put("schemaVersion", 2);
        ObjectNode desc = index.putArray("manifests").addObject().put("mediaType", MANIFEST_TYPE)
                .put("digest", manifestDigest).put("size", manifestBytes.length);
        desc.putObject("annotations").put("io.containerd.image.name", imageName);

        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(Files.newOutputStream(archive))) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            add(tar, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8));
            add(tar, "index.json", JSON.writeValueAsBytes(index));
            for (Map.Entry<String, byte[]> b : blobs.entrySet()) {
                add(tar, "blobs/sha256/" + b.getKey().substring("sha256:".length()), b.getValue());
            }
        }
    }

    /** The sha256 of the decompressed layer. */
    public static String diffId(Path gzipLayer) throws IOException {
        MessageDigest md = Digest.newSha256();
        try (InputStream in = new GzipCompressorInputStream(Files.newInputStream(gzipLayer), true)) {
            byte[] buf = new byte[65536];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        }
        return Digest.ofSha256(md.digest()).toString();
    }

    private static String put(Map<String, byte[]> blobs, byte[] bytes) {
        String d = Digest.sha256(bytes).toString();
        blobs.put(d, bytes);
        return d;
    }

    private static void add(TarArchiveOutputStream tar, String name, byte[] bytes) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setSize(bytes.length);
        e.setMode(0644);
        tar.putArchiveEntry(e);
        tar.write(bytes);
        tar.closeArchiveEntry();
    }

    /** Extracts an archive written by {@code ctr images export} into {@code dir}; returns its first image's layers. */
    public static List<Layer> readLayers(Path archive, Path dir) throws IOException {
        try (TarArchiveInputStream tar = new TarArchiveInputStream(Files.newInputStream(archive))) {
            for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
                Path target = dir.resolve(e.getName()).normalize();
                if (!target.startsWith(dir)) {
                    throw new IOException(archive + ": entry escapes the directory: " + e.getName());
                }
                if (e.isDirectory()) {
                    Files.createDirectories(target);
                } else if (e.isFile()) {
                    Files.createDirectories(target.getParent());
                    try (OutputStream out = Files.newOutputStream(target)) {
                        tar.transferTo(out);
                    }
                }
            }
        }
        JsonNode index = JSON.readTree(dir.resolve("index.json").toFile());
        JsonNode manifest = JSON.readTree(blob(dir, index.get("manifests").get(0).get("digest").asText()).toFile());
        List<Layer> out = new ArrayList<>();
        for (JsonNode l : manifest.get("layers")) {
            Map<String, String> annotations = new HashMap<>();
            if (l.has("annotations")) {
                l.get("annotations").fields().forEachRemaining(f -> annotations.put(f.getKey(), f.getValue().asText()));
            }
            String digest = l.get("digest").asText();
            out.add(new Layer(blob(dir, digest), l.get("mediaType").asText(), digest, l.get("size").asLong(),
                    Map.copyOf(annotations)));
        }
        return out;
    }

    private static Path blob(Path dir, String digest) {
        return dir.resolve("blobs").resolve("sha256").resolve(Digest.parse(digest).hex());
    }
}
