package dev.estargz.fusefs.fetch;

import java.time.Duration;

/**
 * How chunks are fetched.
 *
 * @param timeout     longest a read waits for the registry before it fails with EIO (the next read tries again);
 *                    the reference's {@code [blob] fetching_timeout_sec}
 * @param window      size of one read-ahead request in compressed bytes; an in-order scan reads up to two
 *                    windows ahead past the end of the file being read, so that reading a directory of small
 *                    files costs a few requests, not one per file (the reference fetches in
 *                    {@code [blob] chunk_size} units)
 * @param mergeGap    two needed members closer than this are fetched as one range, gap included; further apart
 *                    they become separate ranges of one multi-range request. A reader's request also takes in
 *                    the uncached chunks that end within this distance after what it asked for
 * @param threads     concurrent foreground fetches per layer
 */
public record FetchOptions(Duration timeout, int window, int mergeGap, int threads) {
    public FetchOptions {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("fetch timeout must be positive: " + timeout);
        }
        if (window < 0 || mergeGap < 0 || threads < 1) {
            throw new IllegalArgumentException("invalid fetch options: window=" + window + " mergeGap=" + mergeGap
                    + " threads=" + threads);
        }
    }

    /** 30 s timeout, 512 KiB window, 64 KiB merge gap, 4 threads. */
    public static FetchOptions defaults() {
        return new FetchOptions(Duration.ofSeconds(30), 512 * 1024, 64 * 1024, 4);
    }

    public FetchOptions withTimeout(Duration v) {
        return new FetchOptions(v, window, mergeGap, threads);
    }

    public FetchOptions withWindow(int v) {
        return new FetchOptions(timeout, v, mergeGap, threads);
    }
}
