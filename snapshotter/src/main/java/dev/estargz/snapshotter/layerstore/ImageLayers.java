package dev.estargz.snapshotter.layerstore;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.estargz.registry.Digest;
import dev.estargz.registry.RegistryClient;
import dev.estargz.registry.ResolvedImage;
import dev.estargz.registry.manifest.Descriptor;
import dev.estargz.registry.manifest.Platform;
import dev.estargz.registry.reference.ImageReference;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * An image's layers as the store needs them: the manifest's layer descriptors (with their annotations: the TOC
 * digest, the uncompressed size) and the config's {@code rootfs.diff_ids}, in the same order.
 */
record ImageLayers(ImageReference ref, List<Descriptor> layers, List<Digest> diffIds) {
    private static final ObjectMapper JSON = new ObjectMapper();

    ImageLayers {
        layers = List.copyOf(layers);
        diffIds = List.copyOf(diffIds);
    }

    /** Fetches the manifest (narrowed to this machine's platform) and the config of {@code ref}. */
    static ImageLayers fetch(RegistryClient client, ImageReference ref) throws IOException {
        ResolvedImage image = client.resolve(ref, Platform.current());
        byte[] config = client.fetchBlob(ref, image.config());
        JsonNode ids = JSON.readTree(config).path("rootfs").path("diff_ids");
        List<Digest> diffIds = new ArrayList<>();
        for (JsonNode id : ids) {
            try {
                diffIds.add(Digest.parse(id.asText()));
            } catch (IllegalArgumentException e) {
                throw new IOException(ref + ": image config has a malformed diff_id " + id, e);
            }
        }
        return new ImageLayers(ref, image.layers(), diffIds);
    }

    /** The layer with digest {@code digest}, with its position. */
    Optional<Integer> indexOf(Digest digest) {
        for (int i = 0; i < layers.size(); i++) {
            if (layers.get(i).digest().equals(digest)) {
                return Optional.of(i);
            }
        }
        return Optional.empty();
    }
}
