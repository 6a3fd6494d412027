package dev.estargz.registry;

import dev.estargz.registry.manifest.Descriptor;
import dev.estargz.registry.manifest.ImageManifest;
import dev.estargz.registry.reference.ImageReference;

import java.util.List;
import java.util.Optional;

/**
 * One platform's image, resolved from a reference: the verified manifest and, when the reference named an index,
 * the index it was selected from.
 *
 * @param reference the reference as given
 * @param pinned    the same repository pinned to the image manifest's digest
 */
public record ResolvedImage(ImageReference reference, ImageReference pinned, FetchedManifest manifest,
                            Optional<FetchedManifest> index) {
    /** The image manifest. */
    public ImageManifest imageManifest() {
        return (ImageManifest) manifest.document();
    }

    /** The config descriptor. */
    public Descriptor config() {
        return imageManifest().config();
    }

    /** Layer descriptors, bottom layer first, with their annotations. */
    public List<Descriptor> layers() {
        return imageManifest().layers();
    }
}
