package dev.estargz.registry.manifest;

/** A parsed manifest: either one image or an index of images. */
public sealed interface ManifestDocument permits ImageManifest, ImageIndex {
    /** The media type the document declares (or the registry's Content-Type when it declares none). */
    String mediaType();
}
