package dev.estargz.snapshotter.remote;

/** The labels of a Prepare do not describe a layer that can be pulled lazily; the message names what is wrong. */
public final class InvalidLayerLabelsException extends Exception {
    public InvalidLayerLabelsException(String message) {
        super(message);
    }
}
