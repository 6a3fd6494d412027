package dev.estargz.snapshotter.config;

import com.fasterxml.jackson.annotation.JsonProperty;

/** {@code [snapshotter]}: restart behaviour. */
public record SnapshotConfig(
        @JsonProperty("allow_invalid_mounts_on_restart") boolean allowInvalidMountsOnRestart) {

    public static final SnapshotConfig DEFAULTS = new SnapshotConfig(false);
}
