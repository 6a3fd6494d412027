package dev.estargz.fusefs.fetch;

import java.util.function.Supplier;

/**
 * What a mounted layer's on-demand reads did, for metrics (the reference's {@code read_on_demand} and
 * {@code on_demand_*} operations). Called on FUSE and fetch threads, so implementations must be cheap and
 * thread-safe; the defaults do nothing.
 */
public interface OnDemandEvents {
    /** Reports nothing. */
    OnDemandEvents NONE = new OnDemandEvents() {
    };

    /**
     * A regular file of the layer was opened; {@code path} gives its name in the layer ({@code /etc/hostname}),
     * computed only if asked for (it walks the index). Used to profile which files a workload touches.
     */
    default void opened(Supplier<String> path) {
    }

    /** A read of a regular file returned {@code bytes} after {@code nanos} (cache hits included). */
    default void read(int bytes, long nanos) {
    }

    /**
     * Chunks a reader missed were fetched from the registry and verified: {@code chunks} of them, holding
     * {@code bytes} uncompressed bytes (the reference counts its on-demand fetches the same way, per chunk).
     */
    default void fetched(int chunks, long bytes) {
    }
}
