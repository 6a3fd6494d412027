package dev.estargz.snapshotter.daemon;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.estargz.fusefs.fetch.OnDemandEvents;
import dev.estargz.registry.Digest;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The on-demand metrics come out under the reference's names, types, labels and buckets. */
class StargzFsMetricsTest {
    private static final Digest LAYER = Digest.sha256("layer".getBytes(StandardCharsets.UTF_8));

    @Test
    void onDemandReadsAndFetchesAreReportedAsTheReferenceNamesThem() throws IOException {
        PrometheusRegistry registry = new PrometheusRegistry();
        StargzFsMetrics metrics = new StargzFsMetrics(registry);
        OnDemandEvents events = metrics.onDemand(LAYER);
        events.read(4096, 3_000); // 3 µs
        events.read(100, 700_000); // 700 µs
        events.fetched(2, 8_000_000);
        metrics.operation("mount", LAYER, Duration.ofMillis(3));
        String text = scrape(registry);
        String layer = "layer=\"" + LAYER + "\"";
        assertTrue(text.contains("# TYPE stargz_fs_bytes_served gauge"), text);
        assertTrue(!text.contains("_total"), "reference names carry no _total suffix: " + text);
        assertTrue(text.contains("# TYPE stargz_fs_operation_duration_microseconds histogram"), text);
        assertLine(text, "stargz_fs_operation_count{" + layer + ",operation_type=\"on_demand_read_access_count\"} 2.0");
        assertLine(text, "stargz_fs_bytes_served{" + layer + ",operation_type=\"on_demand_bytes_served\"} 4196.0");
        assertLine(text, "stargz_fs_operation_count{" + layer + ",operation_type=\"on_demand_remote_registry_fetch_count\"} 2.0");
        assertLine(text, "stargz_fs_bytes_served{" + layer + ",operation_type=\"on_demand_bytes_fetched\"} 8000000.0");
        assertLine(text, "stargz_fs_operation_duration_microseconds_bucket{" + layer + ",operation_type=\"read_on_demand\",le=\"4.0\"} 1");
        assertLine(text, "stargz_fs_operation_duration_microseconds_bucket{" + layer + ",operation_type=\"read_on_demand\",le=\"1024.0\"} 2");
        assertLine(text, "stargz_fs_operation_duration_milliseconds_bucket{" + layer + ",operation_type=\"mount\",le=\"4.0\"} 1");
    }

    private static void assertLine(String text, String line) {
        assertTrue(text.lines().anyMatch(line::equals), "no line " + line + " in\n" + text);
    }

    private static String scrape(PrometheusRegistry registry) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new PrometheusTextFormatWriter(false).write(out, registry.scrape());
        return out.toString(StandardCharsets.UTF_8);
    }
}
