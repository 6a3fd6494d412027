package dev.estargz.snapshotter.layerstore;

import dev.estargz.fusefs.mount.OpenedLayer;
import dev.estargz.registry.BlobSource;

/**
 * A layer the store serves: its slot (the high half of the store's node handles and inode numbers under its
 * {@code diff}, so that no two layers' nodes share one), the opened layer and its blob.
 */
record StoreLayer(int slot, LayerKey key, OpenedLayer layer, BlobSource blob, long blobSize) {
}
