package dev.estargz.fusefs.fuse;

import dev.estargz.fusefs.fetch.ServingThreads;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One {@link LayerFuseAdapter} built ahead of the next mount. jnr-fuse builds a native callback for every FUSE
 * operation when a file system object is made: 6-13 ms each time on a warm process (180 ms the first time), which
 * was on the path of every remote Prepare. Each {@link #take} hands out the spare and starts building the next one
 * on a background thread, so a mount finds one ready unless mounts follow each other faster than that.
 */
final class SpareAdapter {
    private static final ExecutorService BUILDER = Executors.newSingleThreadExecutor(
            r -> ServingThreads.create(r, "estargz-fuse-spare"));
    private static final AtomicReference<CompletableFuture<LayerFuseAdapter>> NEXT = new AtomicReference<>();

    private SpareAdapter() {
    }

    /** The spare adapter (waiting for it if it is being built), or a new one; the next spare is started. */
    static LayerFuseAdapter take() {
        CompletableFuture<LayerFuseAdapter> spare = NEXT.getAndSet(null);
        LayerFuseAdapter adapter = null;
        if (spare != null) {
            try {
                adapter = spare.join();
            } catch (RuntimeException e) {
                // building it failed on the builder thread: build one here, where a failure reaches the caller
            }
        }
        NEXT.compareAndSet(null, CompletableFuture.supplyAsync(LayerFuseAdapter::new, BUILDER));
        return adapter != null ? adapter : new LayerFuseAdapter();
    }
}
