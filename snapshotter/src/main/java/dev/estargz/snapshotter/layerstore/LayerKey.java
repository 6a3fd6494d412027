package dev.estargz.snapshotter.layerstore;

import dev.estargz.registry.Digest;
import dev.estargz.registry.reference.ImageReference;

/**
 * A layer as containers/storage names it in the store: the image reference it was pulled by (the text of the
 * directory name's base64, parsed) and the layer's compressed digest.
 */
record LayerKey(String refText, ImageReference ref, Digest digest) {
    @Override
    public String toString() {
        return refText + "/" + digest;
    }
}
