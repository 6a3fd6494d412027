package dev.estargz.snapshotter.config;

import com.fasterxml.jackson.annotation.JsonProperty;

/** {@code [fuse]}: kernel cache timeouts and passthrough. A timeout of 0 means the reference's 1 s. */
public record FuseConfig(
        @JsonProperty("attr_timeout") long attrTimeout,
        @JsonProperty("entry_timeout") long entryTimeout,
        @JsonProperty("passthrough") boolean passthrough,
        @JsonProperty("merge_buffer_size") long mergeBufferSize,
        @JsonProperty("merge_worker_count") int mergeWorkerCount) {

    public static final FuseConfig DEFAULTS = new FuseConfig(0, 0, false, 419430400L, 10);
}
