package dev.estargz.image;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.estargz.registry.Digest;
import dev.estargz.registry.manifest.Descriptor;
import dev.estargz.registry.manifest.MediaTypes;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Rewrites manifests, indexes and configs as JSON trees, so that every field we do not change (annotations,
 * labels, history, subject, unknown extensions) survives as it was. When nothing changes the original bytes are
 * kept, so converting an already converted image yields the same digests.
 */
final class ManifestEdit {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ManifestEdit() {
    }

    /** The config's {@code rootfs.diff_ids}. */
    static List<Digest> diffIds(byte[] config, String image) throws IOException {
        JsonNode ids = object(config, image + ": config").path("rootfs").path("diff_ids");
        if (!ids.isArray()) {
            throw new ImageConversionException(image, null, "the config has no rootfs.diff_ids", null);
        }
        List<Digest> out = new java.util.ArrayList<>();
        for (JsonNode id : ids) {
            try {
                out.add(Digest.parse(id.asText()));
            } catch (IllegalArgumentException e) {
                throw new ImageConversionException(image, null, "the config's diff_ids: " + e.getMessage(), e);
            }
        }
        return out;
    }

    /** The new bytes for an image config whose {@code rootfs.diff_ids} become {@code diffIds}. */
    static byte[] config(byte[] original, List<Digest> diffIds, String image) throws IOException {
        ObjectNode root = object(original, image + ": config");
        JsonNode rootfs = root.get("rootfs");
        JsonNode old = rootfs == null ? null : rootfs.get("diff_ids");
        if (old == null || !old.isArray() || old.size() != diffIds.size()) {
            throw new ImageConversionException(image, null, "the config lists " + (old == null || !old.isArray()
                    ? "no" : old.size()) + " diff_ids but the manifest has " + diffIds.size() + " layers", null);
        }
        boolean same = true;
        for (int i = 0; i < diffIds.size(); i++) {
            same &= diffIds.get(i).toString().equals(old.get(i).asText());
        }
        if (same) {
            return original;
        }
        ArrayNode ids = ((ObjectNode) rootfs).putArray("diff_ids");
        diffIds.forEach(d -> ids.add(d.toString()));
        return write(root);
    }

    /**
     * The new bytes for an image manifest: {@code config} and {@code layers} replace the old descriptors' media
     * type, digest, size and annotations (other descriptor fields are kept); {@code mediaType} replaces the
     * manifest's own.
     */
    static byte[] manifest(byte[] original, String mediaType, Descriptor config, List<Descriptor> layers,
                           String image) throws IOException {
        ObjectNode root = object(original, image + ": manifest");
        boolean changed = !mediaType.equals(root.path("mediaType").asText(null));
        changed |= replace((ObjectNode) root.get("config"), config);
        ArrayNode ls = (ArrayNode) root.get("layers");
        for (int i = 0; i < layers.size(); i++) {
            changed |= replace((ObjectNode) ls.get(i), layers.get(i));
        }
        if (!changed) {
            return original;
        }
        root.put("mediaType", mediaType);
        return write(root);
    }

    /** The new bytes for an index whose entries are replaced by {@code entries} (same order and count). */
    static byte[] index(byte[] original, String mediaType, List<Descriptor> entries, String image)
            throws IOException {
        ObjectNode root = object(original, image + ": index");
        boolean changed = !mediaType.equals(root.path("mediaType").asText(null));
        ArrayNode ms = (ArrayNode) root.get("manifests");
        for (int i = 0; i < entries.size(); i++) {
            changed |= replace((ObjectNode) ms.get(i), entries.get(i));
        }
        if (!changed) {
            return original;
        }
        root.put("mediaType", mediaType);
        return write(root);
    }

    /** Replaces a descriptor node's core fields; true when anything differs. */
    private static boolean replace(ObjectNode node, Descriptor d) {
        boolean changed = !Objects.equals(node.path("mediaType").asText(null), d.mediaType())
                || !d.digest().toString().equals(node.path("digest").asText())
                || node.path("size").asLong(-1) != d.size()
                || !annotations(node).equals(d.annotations());
        if (!changed) {
            return false;
        }
        node.put("mediaType", d.mediaType());
        node.put("digest", d.digest().toString());
        node.put("size", d.size());
        if (d.annotations().isEmpty()) {
            node.remove("annotations");
        } else {
            ObjectNode a = node.putObject("annotations");
            new java.util.TreeMap<>(d.annotations()).forEach(a::put);
        }
        return true;
    }

    private static Map<String, String> annotations(ObjectNode node) {
        JsonNode a = node.get("annotations");
        if (a == null || !a.isObject()) {
            return Map.of();
        }
        Map<String, String> out = new java.util.TreeMap<>();
        a.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
        return out;
    }

    private static ObjectNode object(byte[] bytes, String what) throws IOException {
        JsonNode n = JSON.readTree(bytes);
        if (n == null || !n.isObject()) {
            throw new IOException(what + " is not a JSON object");
        }
        return (ObjectNode) n;
    }

    private static byte[] write(ObjectNode root) {
        try {
            return JSON.writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise a JSON tree", e);
        }
    }

    /** The OCI counterpart of a Docker media type (others are returned unchanged). */
    static String toOci(String mediaType) {
        if (mediaType == null) {
            return null;
        }
        return switch (mediaType) {
            case MediaTypes.DOCKER_MANIFEST -> MediaTypes.OCI_MANIFEST;
            case MediaTypes.DOCKER_MANIFEST_LIST -> MediaTypes.OCI_INDEX;
            case MediaTypes.DOCKER_CONFIG -> MediaTypes.OCI_CONFIG;
            case MediaTypes.DOCKER_LAYER_GZIP -> MediaTypes.OCI_LAYER_GZIP;
            case "application/vnd.docker.image.rootfs.diff.tar" -> MediaTypes.OCI_LAYER;
            case "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip" ->
                    "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip";
            default -> mediaType;
        };
    }
}
