package dev.estargz.snapshotter.daemon;

import dev.estargz.snapshotter.remote.FallbackReason;
import dev.estargz.snapshotter.snapshot.RemoteSnapshotEvents;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/** Prometheus counters for remote snapshots, most of all the fallbacks users otherwise never see. */
final class SnapshotterMetrics implements RemoteSnapshotEvents {
    private final Counter prepared;
    private final Counter fallbacks;
    private final Counter restoreFailures;

    SnapshotterMetrics(PrometheusRegistry registry) {
        prepared = Counter.builder().name("estargz_snapshotter_remote_snapshots")
                .help("layers mounted lazily and committed as remote snapshots").register(registry);
        fallbacks = Counter.builder().name("estargz_snapshotter_fallbacks")
                .help("layers that fell back to a normal (downloaded) snapshot, by reason")
                .labelNames("reason").register(registry);
        restoreFailures = Counter.builder().name("estargz_snapshotter_restore_failures")
                .help("remote snapshots that could not be mounted again at startup, by reason")
                .labelNames("reason").register(registry);
        for (FallbackReason r : FallbackReason.values()) {
            fallbacks.labelValues(r.label());
        }
    }

    @Override
    public void remoteSnapshotPrepared() {
        prepared.inc();
    }

    @Override
    public void fellBack(FallbackReason reason) {
        fallbacks.labelValues(reason.label()).inc();
    }

    @Override
    public void restoreFailed(FallbackReason reason) {
        restoreFailures.labelValues(reason.label()).inc();
    }
}
