package dev.estargz.image;

/**
 * Hears what a conversion is doing, from several threads at once; implementations must be thread-safe and quick.
 * Layers are named by their short source digest.
 */
public interface ConversionProgress {
    /** A line for the user: what is converted and why, or a warning (then {@code warning} is true). */
    default void message(String line, boolean warning) {
    }

    /** A layer's work starts; {@code sourceSize} bytes will be read. */
    default void layerStarted(String layer, long sourceSize) {
    }

    /** {@code n} more source bytes of a layer were read. */
    default void bytesRead(String layer, long n) {
    }

    /** {@code n} more output bytes of a layer were written. */
    default void bytesWritten(String layer, long n) {
    }

    /** A layer is converted (or kept) and stored at the destination. */
    default void layerFinished(String layer, LayerResult result) {
    }

    /** Hears nothing. */
    static ConversionProgress none() {
        return new ConversionProgress() {
        };
    }
}
