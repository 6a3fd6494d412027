package dev.estargz.snapshotter.remote.stargz;

import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * One named thread that notices when served layers finish their prefetch and background fetch, to time them
 * (a waiting thread per layer would grow with the number of layers).
 */
final class LayerWatch implements AutoCloseable {
    private static final long PERIOD_MS = 100;

    private final Supplier<Collection<ServedLayer>> layers;
    private final LayerEvents events;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "estargz-layer-watch");
        t.setDaemon(true);
        return t;
    });
    private final boolean backgroundFetch;
    private volatile boolean started;

    LayerWatch(Supplier<Collection<ServedLayer>> layers, LayerEvents events, boolean backgroundFetch) {
        this.layers = layers;
        this.events = events;
        this.backgroundFetch = backgroundFetch;
    }

    synchronized void ensureRunning() {
        if (!started) {
            started = true;
            timer.scheduleWithFixedDelay(this::poll, PERIOD_MS, PERIOD_MS, TimeUnit.MILLISECONDS);
        }
    }

    private void poll() {
        try {
            for (ServedLayer s : layers.get()) {
                if (!s.prefetchReported.get() && s.layer().awaitPrefetch(Duration.ZERO)
                        && s.prefetchReported.compareAndSet(false, true)) {
                    events.operation(LayerEvents.PREFETCH_TOTAL, s.digest(), since(s));
                }
                if (backgroundFetch && !s.backgroundReported.get() && s.layer().layer().awaitBackgroundFetch(Duration.ZERO)
                        && s.backgroundReported.compareAndSet(false, true)) {
                    events.operation(LayerEvents.BACKGROUND_FETCH_TOTAL, s.digest(), since(s));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            // keep watching; one odd layer must not stop the timings of the others
        }
    }

    private static Duration since(ServedLayer s) {
        return Duration.ofNanos(System.nanoTime() - s.mountedNanos());
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
