package dev.estargz.snapshotter.remote;

import java.nio.file.Path;

/** A remote layer's mount cannot serve reads (registry gone and data not cached, FUSE server dead, ...). */
public final class LayerUnavailableException extends Exception {
    private final Path mountpoint;

    public LayerUnavailableException(Path mountpoint, String reason, Throwable cause) {
        super("layer at " + mountpoint + " unavailable: " + reason, cause);
        this.mountpoint = mountpoint;
    }

    public Path mountpoint() {
        return mountpoint;
    }
}
