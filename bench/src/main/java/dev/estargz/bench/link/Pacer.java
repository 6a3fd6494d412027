package dev.estargz.bench.link;

/**
 * A token bucket kept as a virtual clock: the time at which the bytes reserved so far have all left. Reserving
 * {@code n} bytes moves that clock on by {@code n / rate}; an idle bucket fills up to {@code burst} bytes, so the
 * clock may lag real time by at most {@code burst / rate}. Thread-safe (a shared pacer serves many connections).
 */
final class Pacer {
    private final double nanosPerByte;
    private final long burstNanos;
    private long free = Long.MIN_VALUE / 2;

    /** A pacer for {@code bytesPerSec} (0 = unlimited) with a bucket of {@code burstBytes}. */
    Pacer(long bytesPerSec, int burstBytes) {
        this.nanosPerByte = bytesPerSec == 0 ? 0 : 1e9 / bytesPerSec;
        this.burstNanos = (long) (burstBytes * nanosPerByte);
    }

    static Pacer unlimited() {
        return new Pacer(0, 0);
    }

    /** Reserves {@code n} bytes offered at {@code now} (System.nanoTime); returns when the last of them leaves. */
    synchronized long reserve(long now, int n) {
        if (nanosPerByte == 0) {
            return now;
        }
        long start = Math.max(free, now - burstNanos);
        free = start + (long) Math.ceil(n * nanosPerByte);
        return Math.max(now, free);
    }
}
