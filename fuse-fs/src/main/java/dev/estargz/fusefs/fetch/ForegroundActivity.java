package dev.estargz.fusefs.fetch;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * What a container is waiting for right now, across every layer one mounter serves: readers waiting on the
 * registry, and mounts or checks under way. Background work asks {@link #awaitQuiet} before each request, so it
 * takes the link only after the foreground has been quiet for a while, as the reference's background task manager
 * does (it waits 5 s after the last prioritised task). On a 100 Mbit/s link a background batch started while a
 * container starts would otherwise delay every on-demand read behind it. Thread-safe.
 */
public final class ForegroundActivity {
    /** The reference's silence period for background tasks. */
    public static final Duration DEFAULT_SILENCE = Duration.ofSeconds(5);
    private static final long POLL_MILLIS = 20;

    private final Duration silence;
    private final AtomicInteger waiting = new AtomicInteger();
    private volatile long lastNanos;

    public ForegroundActivity(Duration silence) {
        this.silence = silence;
        this.lastNanos = System.nanoTime() - silence.toNanos();
    }

    /** One that never holds background work back (tests and single-layer tools). */
    public static ForegroundActivity none() {
        return new ForegroundActivity(Duration.ZERO);
    }

    /** Foreground work happened now (a mount, a check, a request for a reader). */
    public void touch() {
        lastNanos = System.nanoTime();
    }

    /** A reader starts waiting for the registry; pair with {@link #readerDone()}. */
    public void readerWaiting() {
        waiting.incrementAndGet();
        touch();
    }

    public void readerDone() {
        waiting.decrementAndGet();
        touch();
    }

    /** Readers waiting for the registry right now. */
    public int readersWaiting() {
        return waiting.get();
    }

    /** True when no reader waits and nothing happened in the foreground for the silence period. */
    public boolean isQuiet() {
        return waiting.get() == 0 && System.nanoTime() - lastNanos >= silence.toNanos();
    }

    /** Waits until {@link #isQuiet()} or {@code stop} says to give up. */
    public void awaitQuiet(BooleanSupplier stop) throws InterruptedException {
        while (!isQuiet() && !stop.getAsBoolean()) {
            Thread.sleep(POLL_MILLIS);
        }
    }
}
