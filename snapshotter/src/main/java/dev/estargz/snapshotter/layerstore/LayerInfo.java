package dev.estargz.snapshotter.layerstore;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.estargz.registry.Digest;
import dev.estargz.registry.manifest.Descriptor;
import dev.estargz.snapshotter.remote.LayerLabels;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code info} file of a layer in the store: the JSON containers/storage reads into its layer record, with the
 * reference's field names and order, fields left out when empty ({@code omitempty}), and the newline Go's encoder
 * ends it with.
 */
final class LayerInfo {
    private static final Logger LOG = LoggerFactory.getLogger(LayerInfo.class);
    /** containers/storage's number for gzip ({@code archive.Gzip}). */
    private static final int GZIP = 2;
    private static final ObjectMapper JSON = new ObjectMapper();

    private LayerInfo() {
    }

    /**
     * The info of {@code digest} in {@code image}.
     *
     * @throws IOException when the image does not have the layer, or its config lists another number of layers
     */
    static byte[] of(ImageLayers image, Digest digest) throws IOException {
        if (image.layers().size() != image.diffIds().size()) {
            throw new IOException(image.ref() + ": the manifest has " + image.layers().size()
                    + " layers but the config " + image.diffIds().size() + " diff_ids");
        }
        int i = image.indexOf(digest).orElseThrow(() -> new IOException("layer " + digest + " is not in "
                + image.ref()));
        Descriptor layer = image.layers().get(i);
        ObjectNode o = JSON.createObjectNode();
        o.put("compressed-diff-digest", layer.digest().toString());
        if (layer.size() != 0) {
            o.put("compressed-size", layer.size());
        }
        o.put("diff-digest", image.diffIds().get(i).toString());
        long uncompressed = uncompressedSize(layer);
        if (uncompressed != 0) {
            o.put("diff-size", uncompressed);
        }
        o.put("compression", GZIP);
        return (JSON.writeValueAsString(o) + "\n").getBytes(StandardCharsets.UTF_8);
    }

    private static long uncompressedSize(Descriptor layer) {
        String v = layer.annotations().get(LayerLabels.UNCOMPRESSED_SIZE);
        if (v == null) {
            LOG.warn("layer {} has no {} annotation; its info has no diff-size", layer.digest(),
                    LayerLabels.UNCOMPRESSED_SIZE);
            return 0;
        }
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            LOG.warn("layer {} has a malformed {} {}; its info has no diff-size", layer.digest(),
                    LayerLabels.UNCOMPRESSED_SIZE, v);
            return 0;
        }
    }
}
