package dev.estargz.registry.manifest;

import java.util.List;
import java.util.Map;

/** One image's manifest (OCI image manifest or Docker schema 2): a config and an ordered list of layers. */
public record ImageManifest(String mediaType, Descriptor config, List<Descriptor> layers,
                            Map<String, String> annotations) implements ManifestDocument {
    public ImageManifest {
        if (config == null) {
            throw new IllegalArgumentException("image manifest without config");
        }
        layers = List.copyOf(layers);
        annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
    }
}
