package dev.estargz.bench.registry;

import java.util.Arrays;
import java.util.List;

/** Latency samples in nanoseconds, summarised by median and minimum (means hide a noisy shared machine). */
record Samples(List<Long> nanos) {
    Samples {
        if (nanos.isEmpty()) {
            throw new IllegalArgumentException("no samples");
        }
        nanos = List.copyOf(nanos);
    }

    double medianMillis() {
        long[] s = sorted();
        int n = s.length;
        return (n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2.0) / 1e6;
    }

    double minMillis() {
        return sorted()[0] / 1e6;
    }

    private long[] sorted() {
        long[] s = nanos.stream().mapToLong(Long::longValue).toArray();
        Arrays.sort(s);
        return s;
    }
}
