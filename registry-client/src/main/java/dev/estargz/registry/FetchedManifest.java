package dev.estargz.registry;

import dev.estargz.registry.manifest.ManifestDocument;

/**
 * A manifest or index as fetched, verified against its digest.
 *
 * @param bytes     the exact bytes served (digests are over these, never over re-serialised JSON)
 * @param mediaType the media type it declares (or was served with)
 */
public record FetchedManifest(Digest digest, String mediaType, byte[] bytes, ManifestDocument document) {
}
