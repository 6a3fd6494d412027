package dev.estargz.snapshotter.remote;

import java.util.Objects;

/** The result of asking a {@link RemoteLayerMounter} to mount a layer. */
public sealed interface MountOutcome {

    /** The layer is mounted and can be committed as a remote snapshot. */
    record Mounted() implements MountOutcome {
    }

    /** The layer was not mounted; {@code detail} says why in words for the log (digest, image, cause). */
    record NotMounted(FallbackReason reason, String detail) implements MountOutcome {
        public NotMounted {
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(detail, "detail");
        }
    }

    /** Shorthand for a successful mount. */
    static MountOutcome mounted() {
        return new Mounted();
    }
}
