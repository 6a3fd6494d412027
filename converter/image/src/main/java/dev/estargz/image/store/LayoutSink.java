package dev.estargz.image.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.estargz.registry.Digest;
import dev.estargz.registry.manifest.Descriptor;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * An OCI image layout directory being written: blobs appear atomically under their digests, and index.json
 * (which names the image) is replaced atomically last.
 */
public final class LayoutSink implements ImageSink {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final String tag;

    /** Writes into {@code dir} (created when missing) under {@code tag} ({@code latest} when null). */
    public LayoutSink(Path dir, String tag) throws IOException {
        this.dir = dir.toAbsolutePath().normalize();
        this.tag = tag == null ? "latest" : tag;
        Files.createDirectories(this.dir.resolve("blobs").resolve("sha256"));
        Path layout = this.dir.resolve("oci-layout");
        if (!Files.exists(layout)) {
            writeAtomically(layout, "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8));
        }
    }

    private Path blob(Digest d) throws IOException {
        Path algDir = Files.createDirectories(dir.resolve("blobs").resolve(d.algorithm()));
        return algDir.resolve(d.hex());
    }

    @Override
    public boolean hasBlob(Digest digest) throws IOException {
        return Files.isRegularFile(blob(digest));
    }

    /** Moves {@code file} into the layout (the caller's file is consumed). */
    @Override
    public BlobOutcome putBlob(Descriptor descriptor, Path file) throws IOException {
        Path target = blob(descriptor.digest());
        if (Files.isRegularFile(target)) {
            return BlobOutcome.PRESENT;
        }
        try {
            Files.move(file, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            try (InputStream in = Files.newInputStream(file)) {
                writeAtomically(target, in);
            }
        }
        return BlobOutcome.WRITTEN;
    }

    @Override
    public BlobOutcome copyBlob(Descriptor descriptor, ImageSource source) throws IOException {
        Path target = blob(descriptor.digest());
        if (Files.isRegularFile(target)) {
            return BlobOutcome.PRESENT;
        }
        try (InputStream in = source.openStream(descriptor)) {
            writeAtomically(target, in);
        }
        return BlobOutcome.WRITTEN;
    }

    @Override
    public void putManifest(Digest digest, byte[] bytes, String mediaType) throws IOException {
        Path target = blob(digest);
        if (!Files.isRegularFile(target)) {
            writeAtomically(target, bytes);
        }
    }

    @Override
    public void tag(Digest digest, byte[] bytes, String mediaType) throws IOException {
        putManifest(digest, bytes, mediaType);
        Path indexFile = dir.resolve("index.json");
        ObjectNode index;
        if (Files.exists(indexFile)) {
            JsonNode old = JSON.readTree(indexFile.toFile());
            if (old == null || !old.isObject()) {
                throw new IOException(indexFile + " is not a JSON object");
            }
            index = (ObjectNode) old;
        } else {
            index = JSON.createObjectNode();
            index.put("schemaVersion", 2);
            index.put("mediaType", "application/vnd.oci.image.index.v1+json");
        }
        ArrayNode kept = JSON.createArrayNode();
        JsonNode manifests = index.get("manifests");
        if (manifests != null && manifests.isArray()) {
            for (JsonNode m : manifests) {
                if (!tag.equals(m.path("annotations").path(LayoutImageSource.REF_NAME).asText(null))) {
                    kept.add(m);
                }
            }
        }
        ObjectNode entry = kept.addObject();
        entry.put("mediaType", mediaType);
        entry.put("digest", digest.toString());
        entry.put("size", bytes.length);
        entry.putObject("annotations").put(LayoutImageSource.REF_NAME, tag);
        index.set("manifests", kept);
        writeAtomically(indexFile, JSON.writeValueAsBytes(index));
    }

    private static void writeAtomically(Path target, byte[] bytes) throws IOException {
        writeAtomically(target, new java.io.ByteArrayInputStream(bytes));
    }

    private static void writeAtomically(Path target, InputStream in) throws IOException {
        Path tmp = Files.createTempFile(target.getParent(), "." + target.getFileName() + ".", ".partial");
        try {
            try (OutputStream out = Files.newOutputStream(tmp)) {
                in.transferTo(out);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    @Override
    public String toString() {
        return "oci:" + dir + ":" + tag;
    }
}
