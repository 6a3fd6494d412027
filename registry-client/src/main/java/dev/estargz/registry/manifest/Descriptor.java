package dev.estargz.registry.manifest;

import dev.estargz.registry.Digest;

import java.util.List;
import java.util.Map;

/**
 * An OCI content descriptor: what a manifest says about a blob or a child manifest.
 *
 * @param platform only set on index entries; may be null
 * @param urls     foreign-layer URLs; empty when absent
 */
public record Descriptor(String mediaType, Digest digest, long size, Map<String, String> annotations,
                         Platform platform, List<String> urls) {
    public Descriptor {
        if (digest == null) {
            throw new IllegalArgumentException("descriptor without digest");
        }
        if (size < 0) {
            throw new IllegalArgumentException("descriptor " + digest + " has negative size " + size);
        }
        annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
        urls = urls == null ? List.of() : List.copyOf(urls);
    }

    /** A descriptor with only the three required fields. */
    public Descriptor(String mediaType, Digest digest, long size) {
        this(mediaType, digest, size, Map.of(), null, List.of());
    }

    /** A copy with {@code more} annotations added (replacing same keys). */
    public Descriptor withAnnotations(Map<String, String> more) {
        var merged = new java.util.TreeMap<>(annotations);
        merged.putAll(more);
        return new Descriptor(mediaType, digest, size, merged, platform, urls);
    }
}
