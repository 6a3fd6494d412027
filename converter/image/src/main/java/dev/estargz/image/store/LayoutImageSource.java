package dev.estargz.image.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.estargz.registry.BlobSource;
import dev.estargz.registry.Digest;
import dev.estargz.registry.manifest.Descriptor;
import dev.estargz.registry.manifest.ImageIndex;
import dev.estargz.registry.manifest.ManifestCodec;
import dev.estargz.registry.manifest.MediaTypes;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * An image in an OCI image layout (a directory, or a tar of one) or in {@code docker save} output, whose
 * {@code manifest.json} is turned into an equivalent Docker schema 2 manifest.
 */
public final class LayoutImageSource implements ImageSource {
    /** The annotation naming an image in a layout's index.json. */
    public static final String REF_NAME = "org.opencontainers.image.ref.name";
    static final String DOCKER_LAYER_TAR = "application/vnd.docker.image.rootfs.diff.tar";
    private static final int MAX_JSON = 4 << 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final LayoutFiles files;
    private final String tag;
    /** Blob paths for docker save archives, whose files are not named by digest. */
    private final Map<Digest, String> dockerSavePaths = new HashMap<>();
    private StoredManifest dockerSaveManifest;

    private LayoutImageSource(LayoutFiles files, String tag) {
        this.files = files;
        this.tag = tag;
    }

    /** An OCI image layout directory. */
    public static LayoutImageSource directory(Path dir, String tag) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new java.nio.file.NoSuchFileException(dir.toString(), null, "no OCI image layout directory");
        }
        return new LayoutImageSource(new DirectoryFiles(dir), tag);
    }

    /** A tar of an OCI image layout, or docker save output. */
    public static LayoutImageSource archive(Path file, String tag) throws IOException {
        return new LayoutImageSource(new TarFiles(file), tag);
    }

    static String blobPath(Digest d) {
        return "blobs/" + d.algorithm() + "/" + d.hex();
    }

    @Override
    public StoredManifest top() throws IOException {
        if (!files.exists("index.json")) {
            if (files.exists("manifest.json")) {
                return dockerSave();
            }
            throw new IOException(files + " has neither index.json (OCI layout) nor manifest.json (docker save)");
        }
        byte[] indexBytes = files.readSmall("index.json", MAX_JSON);
        ImageIndex index;
        try {
            index = (ImageIndex) ManifestCodec.parse(indexBytes, MediaTypes.OCI_INDEX);
        } catch (IllegalArgumentException | ClassCastException e) {
            throw new IOException(files + ": index.json is not an OCI index: " + e.getMessage(), e);
        }
        List<Descriptor> all = index.manifests();
        List<Descriptor> chosen = tag == null ? all
                : all.stream().filter(d -> tag.equals(d.annotations().get(REF_NAME))).toList();
        if (chosen.size() != 1) {
            String names = all.stream().map(d -> d.annotations().getOrDefault(REF_NAME, d.digest().toString()))
                    .collect(Collectors.joining(", "));
            throw new IOException(files + (tag == null
                    ? " holds " + all.size() + " images; name one with :TAG (has: " + names + ")"
                    : " has no image tagged \"" + tag + "\" (has: " + names + ")"));
        }
        return manifest(chosen.get(0));
    }

    private StoredManifest dockerSave() throws IOException {
        if (dockerSaveManifest != null) {
            return dockerSaveManifest;
        }
        JsonNode list = JSON.readTree(files.readSmall("manifest.json", MAX_JSON));
        if (list == null || !list.isArray() || list.isEmpty()) {
            throw new IOException(files + ": manifest.json lists no images");
        }
        JsonNode image = null;
        for (JsonNode n : list) {
            if (tag == null || hasTag(n.get("RepoTags"), tag)) {
                if (image != null) {
                    throw new IOException(files + " holds several images" + (tag == null ? "; name one with :TAG"
                            : " tagged " + tag));
                }
                image = n;
            }
        }
        if (image == null) {
            throw new IOException(files + " has no image tagged \"" + tag + "\"");
        }
        String configPath = image.path("Config").asText(null);
        if (configPath == null || !image.path("Layers").isArray()) {
            throw new IOException(files + ": manifest.json entry lacks Config or Layers");
        }
        ObjectNode m = JSON.createObjectNode();
        m.put("schemaVersion", 2);
        m.put("mediaType", MediaTypes.DOCKER_MANIFEST);
        m.set("config", descriptorNode(MediaTypes.DOCKER_CONFIG, configPath));
        ArrayNode layers = m.putArray("layers");
        for (JsonNode l : image.get("Layers")) {
            layers.add(descriptorNode(DOCKER_LAYER_TAR, l.asText()));
        }
        dockerSaveManifest = StoredManifest.of(JSON.writeValueAsBytes(m), MediaTypes.DOCKER_MANIFEST);
        return dockerSaveManifest;
    }

    private static boolean hasTag(JsonNode repoTags, String tag) {
        if (repoTags == null || !repoTags.isArray()) {
            return false;
        }
        for (JsonNode t : repoTags) {
            String s = t.asText();
            if (s.equals(tag) || s.endsWith(":" + tag)) {
                return true;
            }
        }
        return false;
    }

    private ObjectNode descriptorNode(String mediaType, String path) throws IOException {
        MessageDigest md = Digest.newSha256();
        long size = 0;
        try (InputStream in = files.open(path)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
                size += n;
            }
        }
        Digest d = Digest.ofSha256(md.digest());
        dockerSavePaths.put(d, path);
        ObjectNode n = JSON.createObjectNode();
        n.put("mediaType", mediaType);
        n.put("digest", d.toString());
        n.put("size", size);
        return n;
    }

    private String path(Descriptor d) {
        String p = dockerSavePaths.get(d.digest());
        return p != null ? p : blobPath(d.digest());
    }

    @Override
    public StoredManifest manifest(Descriptor descriptor) throws IOException {
        byte[] bytes = smallBlob(descriptor);
        try {
            return StoredManifest.of(bytes, descriptor.mediaType());
        } catch (IllegalArgumentException e) {
            throw new IOException(files + ": manifest " + descriptor.digest() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public byte[] smallBlob(Descriptor d) throws IOException {
        if (d.size() > 64 << 20) {
            throw new IOException(files + ": blob " + d.digest() + " of " + d.size() + " bytes is too large to hold");
        }
        try (InputStream in = openStream(d)) {
            return in.readAllBytes();
        }
    }

    @Override
    public InputStream openStream(Descriptor d) throws IOException {
        return new VerifyingInputStream(files.open(path(d)), d.digest(), d.size(), files.toString());
    }

    @Override
    public BlobSource openBlob(Descriptor d) throws IOException {
        return files.openRandom(path(d));
    }

    @Override
    public void close() throws IOException {
        files.close();
    }

    @Override
    public String toString() {
        return files + (tag == null ? "" : ":" + tag);
    }
}
