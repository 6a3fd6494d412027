package dev.estargz.snapshotter.daemon;

import dev.estargz.fusefs.cache.ChunkCache;
import dev.estargz.fusefs.mount.LayerState;
import dev.estargz.registry.Digest;
import dev.estargz.snapshotter.remote.stargz.LayerEvents;
import dev.estargz.snapshotter.remote.stargz.StargzLayerMounter;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BinaryOperator;
import java.util.function.ToDoubleFunction;
import java.util.function.Supplier;

/**
 * The reference's {@code stargz_fs} operation metrics (duration histogram and count per operation and layer) plus
 * the progress of every mounted layer and the chunk cache's usage, read when scraped.
 */
public final class StargzFsMetrics implements LayerEvents {
    private final Histogram durations;
    private final Counter counts;

    public StargzFsMetrics(PrometheusRegistry registry) {
        durations = Histogram.builder().name("stargz_fs_operation_duration_milliseconds")
                .help("latency of lazy-pull operations (mount, remote_registry_get, prefetch_total, "
                        + "background_fetch_total)")
                .labelNames("operation_type", "layer")
                .classicUpperBounds(1, 5, 10, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000)
                .register(registry);
        counts = Counter.builder().name("stargz_fs_operation_count")
                .help("lazy-pull operations done, by operation and layer").labelNames("operation_type", "layer")
                .register(registry);
    }

    /** Registers the gauges that read {@code mounter}'s state at scrape time. */
    public void watch(PrometheusRegistry registry, Supplier<StargzLayerMounter> mounter) {
        GaugeWithCallback.builder().name("estargz_fs_layer_size_bytes").help("blob size of each mounted layer")
                .labelNames("layer").callback(cb -> byLayer(mounter.get(), s -> s.size(), Math::max).forEach((layer, v)
                        -> cb.call(v, layer))).register(registry);
        GaugeWithCallback.builder().name("estargz_fs_layer_fetched_bytes")
                .help("blob bytes of each mounted layer that are local (TOC, footer and cached chunks)")
                .labelNames("layer").callback(cb -> byLayer(mounter.get(), s -> s.fetchedSize(), Math::max).forEach((layer, v)
                        -> cb.call(v, layer))).register(registry);
        GaugeWithCallback.builder().name("estargz_fs_layer_range_requests")
                .help("range requests each mounted layer has made to its registry (on demand, prefetch and "
                        + "background)")
                .labelNames("layer").callback(cb -> byLayer(mounter.get(), s -> s.requests(), Double::sum).forEach((layer, v)
                        -> cb.call(v, layer))).register(registry);
        GaugeWithCallback.builder().name("estargz_fs_cache_bytes").help("bytes in the chunk cache, by tier")
                .labelNames("tier").callback(cb -> {
                    ChunkCache.Usage u = mounter.get().cacheUsage();
                    cb.call(u.memoryBytes(), "memory");
                    cb.call(u.diskBytes(), "disk");
                }).register(registry);
        GaugeWithCallback.builder().name("estargz_fs_cache_chunks").help("chunks in the chunk cache, by tier")
                .labelNames("tier").callback(cb -> {
                    ChunkCache.Usage u = mounter.get().cacheUsage();
                    cb.call(u.memoryChunks(), "memory");
                    cb.call(u.diskChunks(), "disk");
                }).register(registry);
        GaugeWithCallback.builder().name("estargz_fs_mounted_layers").help("layers served lazily now")
                .callback(cb -> cb.call(mounter.get().layerStates().size())).register(registry);
    }

    /**
     * One value per layer digest: a layer mounted for two snapshots (two namespaces, two parents) must not give
     * two samples with the same labels, which the exposition format forbids.
     */
    private static Map<String, Double> byLayer(StargzLayerMounter mounter, ToDoubleFunction<LayerState> value,
            BinaryOperator<Double> merge) {
        Map<String, Double> out = new TreeMap<>();
        for (LayerState s : mounter.layerStates()) {
            out.merge(s.digest().toString(), value.applyAsDouble(s), merge);
        }
        return out;
    }

    @Override
    public void operation(String operation, Digest layer, Duration took) {
        durations.labelValues(operation, layer.toString()).observe(took.toNanos() / 1e6);
        counts.labelValues(operation, layer.toString()).inc();
    }
}
