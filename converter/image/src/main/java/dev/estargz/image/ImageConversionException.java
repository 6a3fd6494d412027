package dev.estargz.image;

import java.io.IOException;

/** A conversion failed; the message names the image and, when one is to blame, the layer. */
public final class ImageConversionException extends IOException {
    private final String image;
    private final String layer;

    public ImageConversionException(String image, String layer, String problem, Throwable cause) {
        super(image + (layer == null ? "" : ": layer " + layer) + ": " + problem, cause);
        this.image = image;
        this.layer = layer;
    }

    /** The image (location and platform) being converted. */
    public String image() {
        return image;
    }

    /** The layer digest at fault, or null. */
    public String layer() {
        return layer;
    }
}
