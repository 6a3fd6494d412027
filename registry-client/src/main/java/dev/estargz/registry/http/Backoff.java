package dev.estargz.registry.http;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/** Exponential backoff with full jitter (AWS's "full jitter"), capped at {@code max}. */
record Backoff(Duration min, Duration max) {
    /** The pause before retry number {@code retry} (1-based): uniform in [min, min(max, min·2^(retry-1))]. */
    Duration pause(int retry) {
        long minMs = Math.max(1, min.toMillis());
        long ceiling = Math.min(max.toMillis(), minMs << Math.min(retry - 1, 30));
        if (ceiling <= minMs) {
            return Duration.ofMillis(minMs);
        }
        return Duration.ofMillis(ThreadLocalRandom.current().nextLong(minMs, ceiling + 1));
    }
}
