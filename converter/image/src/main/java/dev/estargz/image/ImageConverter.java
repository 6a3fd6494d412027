package dev.estargz.image;

import dev.estargz.image.store.ImageSink;
import dev.estargz.image.store.ImageSource;
import dev.estargz.image.store.LayoutImageSource;
import dev.estargz.image.store.LayoutSink;
import dev.estargz.image.store.RegistryImageSource;
import dev.estargz.image.store.RegistrySink;
import dev.estargz.registry.RegistryClient;

import java.io.IOException;

/**
 * Converts whole images to eStargz (or zstd:chunked) between registries, OCI image layouts and archives.
 * Thread-safe; the registry client is the caller's and is not closed here.
 */
public final class ImageConverter {
    private final RegistryClient client;

    public ImageConverter(RegistryClient client) {
        this.client = client;
    }

    /**
     * Converts the image at {@code source} and stores it at {@code destination}: every blob first, then child
     * manifests, then the tag, so the tag never names a partial image. A rerun after a failure skips the blobs
     * already stored.
     *
     * @throws ImageConversionException naming the image and layer when a layer cannot be converted
     * @throws dev.estargz.registry.RegistryException when a registry refuses or fails
     */
    public ImageConvertResult convert(ImageLocation source, ImageLocation destination, ImageConvertOptions options,
                                      ConversionProgress progress) throws IOException {
        try (ImageSource src = openSource(source); ImageSink dst = openSink(destination)) {
            return convert(src, dst, source.toString(), destination.toString(), options, progress);
        }
    }

    /** As {@link #convert(ImageLocation, ImageLocation, ImageConvertOptions, ConversionProgress)} on open stores. */
    public ImageConvertResult convert(ImageSource source, ImageSink destination, String sourceName,
                                      String destinationName, ImageConvertOptions options,
                                      ConversionProgress progress) throws IOException {
        return new ImageConversion(source, destination, sourceName, destinationName, options, progress).run();
    }

    /** Opens a location for reading. */
    public ImageSource openSource(ImageLocation location) throws IOException {
        if (location instanceof ImageLocation.Registry r) {
            return new RegistryImageSource(client, r.reference());
        }
        if (location instanceof ImageLocation.OciLayout l) {
            return LayoutImageSource.directory(l.dir(), l.tag());
        }
        ImageLocation.OciArchive a = (ImageLocation.OciArchive) location;
        return LayoutImageSource.archive(a.file(), a.tag());
    }

    /** Opens a location for writing; archives can only be read. */
    public ImageSink openSink(ImageLocation location) throws IOException {
        if (location instanceof ImageLocation.Registry r) {
            return new RegistrySink(client, r.reference());
        }
        if (location instanceof ImageLocation.OciLayout l) {
            return new LayoutSink(l.dir(), l.tag());
        }
        throw new IllegalArgumentException("cannot write to " + location
                + ": archives are read-only here; write an OCI layout (oci:DIR[:tag]) instead");
    }
}
