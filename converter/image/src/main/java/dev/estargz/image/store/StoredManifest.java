package dev.estargz.image.store;

import dev.estargz.registry.Digest;
import dev.estargz.registry.manifest.ManifestCodec;
import dev.estargz.registry.manifest.ManifestDocument;

/**
 * A manifest or index exactly as stored: digests are over these bytes, never over re-serialised JSON.
 *
 * @param mediaType the type it declares (or was stored with)
 */
public record StoredManifest(Digest digest, String mediaType, byte[] bytes, ManifestDocument document) {
    /** Parses {@code bytes}, hashing them; {@code mediaType} is used only when the document declares none. */
    public static StoredManifest of(byte[] bytes, String mediaType) {
        ManifestDocument doc = ManifestCodec.parse(bytes, mediaType);
        return new StoredManifest(Digest.sha256(bytes), doc.mediaType(), bytes, doc);
    }
}
