package dev.estargz.snapshotter.config;

import com.fasterxml.jackson.annotation.JsonProperty;

/** {@code [blob]}: how layer blobs are fetched and re-validated. */
public record BlobConfig(
        @JsonProperty("valid_interval") long validInterval,
        @JsonProperty("check_always") boolean checkAlways,
        @JsonProperty("chunk_size") long chunkSize,
        @JsonProperty("fetching_timeout_sec") long fetchingTimeoutSec,
        @JsonProperty("force_single_range_mode") boolean forceSingleRangeMode,
        @JsonProperty("prefetch_chunk_size") long prefetchChunkSize,
        @JsonProperty("max_retries") int maxRetries,
        @JsonProperty("min_wait_msec") int minWaitMsec,
        @JsonProperty("max_wait_msec") int maxWaitMsec) {

    /** max_wait_msec is 300000: the reference's code constant, not the 30 its comment says. */
    public static final BlobConfig DEFAULTS = new BlobConfig(60, false, 50000, 300, false, 0, 5, 30, 300000);
}
