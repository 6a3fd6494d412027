package dev.estargz.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Runs {@link ConvertBenchmark} and {@link GzipBaselineBenchmark} on one layer tar and prints throughput in MB/s
 * (10^6 bytes of uncompressed input per second) with the ratio to the gzip baseline at the same level.
 * Usage: {@code ConvertBenchRunner LAYER.tar}.
 */
public final class ConvertBenchRunner {
    private ConvertBenchRunner() {
    }

    public static void main(String[] args) throws Exception {
        Path tar = Path.of(args[0]);
        long size = Files.size(tar);
        Options opts = new OptionsBuilder()
                .include(ConvertBenchmark.class.getSimpleName())
                .include(GzipBaselineBenchmark.class.getSimpleName())
                .jvmArgsAppend("-D" + BenchFiles.TAR_PROPERTY + "=" + tar.toAbsolutePath())
                .build();
        Collection<RunResult> results = new Runner(opts).run();

        Map<String, Double> mbPerSecond = new TreeMap<>();
        for (RunResult r : results) {
            double ms = r.getPrimaryResult().getScore();
            String level = r.getParams().getParam("level");
            String threads = r.getParams().getParam("threads");
            String key = threads == null ? "gzip/" + level : "estargz/" + level + "/" + threads;
            mbPerSecond.put(key, size / 1e6 / (ms / 1000.0));
        }
        int cores = Runtime.getRuntime().availableProcessors();
        System.out.printf(Locale.ROOT, "%nInput: %s, %.1f MB uncompressed, %d cores%n", tar, size / 1e6, cores);
        System.out.printf(Locale.ROOT, "%-8s %-22s %10s %18s%n", "level", "what", "MB/s", "vs gzip (1 core)");
        for (String level : new String[] {"9", "1"}) {
            double base = mbPerSecond.getOrDefault("gzip/" + level, Double.NaN);
            System.out.printf(Locale.ROOT, "%-8s %-22s %10.1f %18s%n", level, "java.util.zip gzip", base, "1.00");
            for (String threads : new String[] {"1", "0"}) {
                double v = mbPerSecond.getOrDefault("estargz/" + level + "/" + threads, Double.NaN);
                String what = "estargz, " + (threads.equals("0") ? cores + " threads" : "1 thread");
                System.out.printf(Locale.ROOT, "%-8s %-22s %10.1f %18.2f%n", level, what, v, v / base);
            }
        }
    }
}
