package dev.estargz.snapshotter.remote.stargz;

import dev.estargz.fusefs.mount.MountedLayer;
import dev.estargz.registry.Digest;
import dev.estargz.registry.reference.ImageReference;
import dev.estargz.snapshotter.config.BlobConfig;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/** A layer this daemon serves at a snapshot's mountpoint, with what Check and the metrics watch need. */
final class ServedLayer {
    private final MountedLayer layer;
    private final ImageReference ref;
    private final Digest digest;
    private final RecordingBlobSource blob;
    private final long mountedNanos;
    private final AtomicLong lastCheckNanos = new AtomicLong(Long.MIN_VALUE);
    final AtomicBoolean prefetchReported = new AtomicBoolean();
    final AtomicBoolean backgroundReported = new AtomicBoolean();

    ServedLayer(MountedLayer layer, ImageReference ref, Digest digest, RecordingBlobSource blob, long mountedNanos) {
        this.layer = layer;
        this.ref = ref;
        this.digest = digest;
        this.blob = blob;
        this.mountedNanos = mountedNanos;
    }

    MountedLayer layer() {
        return layer;
    }

    ImageReference ref() {
        return ref;
    }

    Digest digest() {
        return digest;
    }

    RecordingBlobSource blob() {
        return blob;
    }

    long mountedNanos() {
        return mountedNanos;
    }

    /**
     * Whether the registry must be asked again ({@code [blob] check_always}, {@code valid_interval} seconds since
     * the last check or the last answer to any read of the blob, the resolve's included, as in the reference).
     */
    boolean needsRecheck(BlobConfig b) {
        long last = Math.max(lastCheckNanos.get(), blob.lastAnswerNanos());
        return b.checkAlways() || last == Long.MIN_VALUE
                || System.nanoTime() - last > b.validInterval() * 1_000_000_000L;
    }

    void checked() {
        lastCheckNanos.set(System.nanoTime());
    }
}
