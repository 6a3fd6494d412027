package dev.estargz.registry.manifest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.estargz.registry.Digest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads and writes manifest and index JSON. Parsing is lenient about unknown fields; writing emits the fields in the
 * order the OCI spec lists them, so pushed manifests look like those other tools write.
 */
public final class ManifestCodec {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ManifestCodec() {
    }

    /**
     * Parses a manifest or index. The document's own {@code mediaType} wins over {@code contentType} (the HTTP
     * header), which is only consulted when the document declares none (OCI makes the field optional).
     *
     * @throws IllegalArgumentException naming what is wrong with the document
     */
    public static ManifestDocument parse(byte[] json, String contentType) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException("manifest is not valid JSON: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("manifest is not a JSON object");
        }
        String mediaType = text(root, "mediaType");
        if (mediaType == null) {
            mediaType = contentType == null ? null : contentType.split(";")[0].trim();
        }
        if (mediaType == null || !(MediaTypes.isIndex(mediaType) || MediaTypes.isManifest(mediaType))) {
            // OCI allows an index or manifest without mediaType; tell them apart by their fields.
            if (root.has("manifests")) {
                mediaType = MediaTypes.OCI_INDEX;
            } else if (root.has("config") && root.has("layers")) {
                mediaType = MediaTypes.OCI_MANIFEST;
            } else {
                throw new IllegalArgumentException("unsupported manifest media type: " + mediaType);
            }
        }
        if (MediaTypes.isIndex(mediaType)) {
            return new ImageIndex(mediaType, descriptors(root.get("manifests"), "manifests"), strings(root.get("annotations")));
        }
        JsonNode config = root.get("config");
        if (config == null || !config.isObject()) {
            throw new IllegalArgumentException("image manifest has no config descriptor");
        }
        return new ImageManifest(mediaType, descriptor(config, "config"), descriptors(root.get("layers"), "layers"),
                strings(root.get("annotations")));
    }

    /** Serialises an image manifest as compact JSON. */
    public static byte[] toJson(ImageManifest m) {
        ObjectNode root = JSON.createObjectNode();
        root.put("schemaVersion", 2);
        root.put("mediaType", m.mediaType());
        root.set("config", node(m.config()));
        ArrayNode layers = root.putArray("layers");
        m.layers().forEach(l -> layers.add(node(l)));
        putAnnotations(root, m.annotations());
        return write(root);
    }

    /** Serialises an index or manifest list as compact JSON. */
    public static byte[] toJson(ImageIndex index) {
        ObjectNode root = JSON.createObjectNode();
        root.put("schemaVersion", 2);
        root.put("mediaType", index.mediaType());
        ArrayNode ms = root.putArray("manifests");
        index.manifests().forEach(d -> ms.add(node(d)));
        putAnnotations(root, index.annotations());
        return write(root);
    }

    private static byte[] write(ObjectNode root) {
        try {
            return JSON.writeValueAsString(root).getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise a manifest tree", e);
        }
    }

    private static ObjectNode node(Descriptor d) {
        ObjectNode n = JSON.createObjectNode();
        n.put("mediaType", d.mediaType());
        n.put("digest", d.digest().toString());
        n.put("size", d.size());
        if (!d.urls().isEmpty()) {
            ArrayNode u = n.putArray("urls");
            d.urls().forEach(u::add);
        }
        putAnnotations(n, d.annotations());
        if (d.platform() != null) {
            ObjectNode p = n.putObject("platform");
            p.put("architecture", d.platform().architecture());
            p.put("os", d.platform().os());
            if (d.platform().variant() != null) {
                p.put("variant", d.platform().variant());
            }
        }
        return n;
    }

    private static void putAnnotations(ObjectNode n, Map<String, String> annotations) {
        if (!annotations.isEmpty()) {
            ObjectNode a = n.putObject("annotations");
            new TreeMap<>(annotations).forEach(a::put);
        }
    }

    private static List<Descriptor> descriptors(JsonNode array, String field) {
        if (array == null || array.isNull()) {
            return List.of();
        }
        if (!array.isArray()) {
            throw new IllegalArgumentException("manifest field \"" + field + "\" is not an array");
        }
        List<Descriptor> out = new ArrayList<>(array.size());
        for (int i = 0; i < array.size(); i++) {
            out.add(descriptor(array.get(i), field + "[" + i + "]"));
        }
        return out;
    }

    private static Descriptor descriptor(JsonNode n, String where) {
        if (!n.isObject()) {
            throw new IllegalArgumentException("manifest " + where + " is not an object");
        }
        String digest = text(n, "digest");
        JsonNode size = n.get("size");
        if (digest == null || size == null || !size.canConvertToLong()) {
            throw new IllegalArgumentException("manifest " + where + " lacks a digest or a numeric size");
        }
        Platform platform = null;
        JsonNode p = n.get("platform");
        if (p != null && p.isObject()) {
            platform = new Platform(text(p, "os"), text(p, "architecture"), text(p, "variant"));
        }
        List<String> urls = new ArrayList<>();
        JsonNode u = n.get("urls");
        if (u != null && u.isArray()) {
            u.forEach(x -> urls.add(x.asText()));
        }
        try {
            return new Descriptor(text(n, "mediaType"), Digest.parse(digest), size.asLong(),
                    strings(n.get("annotations")), platform, urls);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("manifest " + where + ": " + e.getMessage(), e);
        }
    }

    private static Map<String, String> strings(JsonNode obj) {
        if (obj == null || !obj.isObject()) {
            return Map.of();
        }
        Map<String, String> out = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = obj.fields(); it.hasNext(); ) {
            var e = it.next();
            out.put(e.getKey(), e.getValue().asText());
        }
        return out;
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }
}
