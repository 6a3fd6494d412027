package dev.estargz.image;

import dev.estargz.registry.Digest;

import java.util.List;

/**
 * One image (platform) of a conversion.
 *
 * @param platform os/arch[/variant], or "" when the source named a single manifest without an index entry
 */
public record ImageResult(String platform, Digest sourceManifest, Digest manifest, List<LayerResult> layers) {
    public ImageResult {
        layers = List.copyOf(layers);
    }
}
