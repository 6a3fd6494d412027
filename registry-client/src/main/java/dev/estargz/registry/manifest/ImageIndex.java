package dev.estargz.registry.manifest;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** An OCI image index or Docker manifest list: manifests for several platforms. */
public record ImageIndex(String mediaType, List<Descriptor> manifests, Map<String, String> annotations)
        implements ManifestDocument {
    public ImageIndex {
        manifests = List.copyOf(manifests);
        annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
    }

    /** The first image manifest entry whose platform matches {@code wanted}. */
    public Optional<Descriptor> select(Platform wanted) {
        return manifests.stream()
                .filter(d -> d.platform() != null && wanted.matches(d.platform()))
                .filter(d -> !MediaTypes.isIndex(d.mediaType()))
                .findFirst();
    }
}
