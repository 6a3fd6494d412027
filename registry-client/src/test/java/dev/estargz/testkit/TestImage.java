package dev.estargz.testkit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.estargz.registry.Digest;
import dev.estargz.registry.RegistryClient;
import dev.estargz.registry.manifest.Descriptor;
import dev.estargz.registry.manifest.ImageIndex;
import dev.estargz.registry.manifest.ImageManifest;
import dev.estargz.registry.manifest.ManifestCodec;
import dev.estargz.registry.manifest.MediaTypes;
import dev.estargz.registry.manifest.Platform;
import dev.estargz.registry.reference.ImageReference;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * An image built in the test process and pushed through our client: a config naming the platform and diff IDs,
 * and the given layers.
 *
 * @param reference the tag it was pushed to, pinned to the manifest digest
 * @param layers    layer bytes, bottom first, in the order of {@code manifest.layers()}
 */
public record TestImage(ImageReference reference, Digest manifestDigest, byte[] manifestBytes, ImageManifest manifest,
                        byte[] config, List<Layer> layers) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * One layer to push.
     *
     * @param diffId the uncompressed digest for the config (for opaque test bytes, their own digest)
     */
    public record Layer(byte[] bytes, String mediaType, Digest diffId, Map<String, String> annotations) {
        /** Opaque bytes presented as a gzip layer (a registry never looks inside). */
        public static Layer opaque(byte[] bytes) {
            return new Layer(bytes, MediaTypes.OCI_LAYER_GZIP, Digest.sha256(bytes), Map.of());
        }

        public Descriptor descriptor() {
            return new Descriptor(mediaType, Digest.sha256(bytes), bytes.length, annotations, null, List.of());
        }
    }

    /** {@code n} random byte strings of {@code size} bytes, reproducible from {@code seed}. */
    public static List<Layer> randomLayers(int n, int size, long seed) {
        Random r = new Random(seed);
        List<Layer> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            byte[] b = new byte[size];
            r.nextBytes(b);
            out.add(Layer.opaque(b));
        }
        return out;
    }

    /** Pushes layers, config and an OCI manifest to {@code target} (a tag). */
    public static TestImage push(RegistryClient client, ImageReference target, Platform platform, List<Layer> layers)
            throws IOException {
        return push(client, target, platform, layers, MediaTypes.OCI_MANIFEST);
    }

    /** As {@link #push(RegistryClient, ImageReference, Platform, List)} with a chosen manifest media type. */
    public static TestImage push(RegistryClient client, ImageReference target, Platform platform, List<Layer> layers,
                                 String manifestType) throws IOException {
        ObjectNode cfg = JSON.createObjectNode();
        cfg.put("architecture", platform.architecture());
        cfg.put("os", platform.os());
        if (platform.variant() != null) {
            cfg.put("variant", platform.variant());
        }
        ObjectNode rootfs = cfg.putObject("rootfs");
        rootfs.put("type", "layers");
        var diffIds = rootfs.putArray("diff_ids");
        layers.forEach(l -> diffIds.add(l.diffId().toString()));
        cfg.putObject("config");
        byte[] config = JSON.writeValueAsBytes(cfg);
        Digest configDigest = Digest.sha256(config);
        boolean docker = MediaTypes.DOCKER_MANIFEST.equals(manifestType);
        client.pushBlob(target, configDigest, new InMemoryBlob(config), null);
        List<Descriptor> descs = new ArrayList<>();
        for (Layer l : layers) {
            client.pushBlob(target, Digest.sha256(l.bytes()), new InMemoryBlob(l.bytes()), null);
            descs.add(l.descriptor());
        }
        ImageManifest m = new ImageManifest(manifestType, new Descriptor(docker ? MediaTypes.DOCKER_CONFIG
                : MediaTypes.OCI_CONFIG, configDigest, config.length), descs, Map.of());
        byte[] bytes = ManifestCodec.toJson(m);
        Digest d = client.pushManifest(target, bytes, manifestType);
        return new TestImage(target.withDigest(d), d, bytes, m, config, List.copyOf(layers));
    }

    /** Pushes one image per platform and an OCI index over them to {@code target}; returns the index digest. */
    public static Digest pushIndex(RegistryClient client, ImageReference target, Map<Platform, List<Layer>> images)
            throws IOException {
        List<Descriptor> entries = new ArrayList<>();
        Map<Platform, TestImage> pushed = new LinkedHashMap<>();
        for (var e : images.entrySet()) {
            TestImage img = push(client, target.withTag(target.tag() + "-" + e.getKey().architecture()
                    + (e.getKey().variant() == null ? "" : e.getKey().variant())), e.getKey(), e.getValue());
            pushed.put(e.getKey(), img);
            entries.add(new Descriptor(MediaTypes.OCI_MANIFEST, img.manifestDigest(), img.manifestBytes().length,
                    Map.of(), e.getKey(), List.of()));
        }
        return client.pushIndex(target, new ImageIndex(MediaTypes.OCI_INDEX, entries, Map.of()));
    }
}
