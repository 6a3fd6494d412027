package dev.estargz.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Runs {@link ConvertBenchmark} and {@link GzipBaselineBenchmark} on one layer tar and prints, for each level,
 * throughput in MB/s (10^6 bytes of uncompressed input per second of wall time) and CPU seconds per 100 MB (the
 * JVM's CPU time without the JIT compiler threads, see {@link CpuTimeProfiler}), each with its ratio to the gzip
 * baseline measured in the same run. Wall time needs an otherwise idle machine; CPU time per byte ("per core")
 * holds up better when other work shares the cores. Usage: {@code ConvertBenchRunner LAYER.tar [--quick]}.
 */
public final class ConvertBenchRunner {
    private ConvertBenchRunner() {
    }

    /** Wall seconds and CPU seconds (JIT excluded) of one operation on the whole tar. */
    private record Figures(double wallSeconds, double cpuSeconds) {
    }

    public static void main(String[] args) throws Exception {
        Path tar = Path.of(args[0]);
        long size = Files.size(tar);
        ChainedOptionsBuilder builder = new OptionsBuilder()
                .include(ConvertBenchmark.class.getSimpleName())
                .include(GzipBaselineBenchmark.class.getSimpleName())
                .addProfiler(CpuTimeProfiler.class)
                .jvmArgsAppend("-D" + BenchFiles.TAR_PROPERTY + "=" + tar.toAbsolutePath());
        if (args.length > 1 && args[1].equals("--quick")) {
            // A smoke run of the whole chain: level 1 only, one warm-up and one measured operation.
            builder.param("level", "1").warmupIterations(1).measurementIterations(1);
        }
        Collection<RunResult> results = new Runner(builder.build()).run();

        Map<String, Figures> figures = new TreeMap<>();
        for (RunResult r : results) {
            double ms = r.getPrimaryResult().getScore();
            Map<String, Result> secondary = r.getSecondaryResults();
            double cpu = secondary.get(CpuTimeProfiler.PROCESS).getScore()
                    - secondary.get(CpuTimeProfiler.JIT).getScore();
            String level = r.getParams().getParam("level");
            String threads = r.getParams().getParam("threads");
            String method = r.getParams().getBenchmark();
            String key = threads != null ? "estargz/" + level + "/" + threads
                    : (method.endsWith("gzipWithDigests") ? "gzip+digests/" : "gzip/") + level;
            figures.put(key, new Figures(ms / 1000.0, cpu));
        }
        int cores = Runtime.getRuntime().availableProcessors();
        double mb = size / 1e6;
        System.out.printf(Locale.ROOT, "%nInput: %s, %.1f MB uncompressed, %d cores%n", tar, mb, cores);
        System.out.printf(Locale.ROOT, "%-5s %-24s %7s %8s %13s %14s %18s%n", "level", "what", "MB/s", "vs gzip",
                "CPU s/100MB", "per core vs", "per core vs");
        System.out.printf(Locale.ROOT, "%-5s %-24s %7s %8s %13s %14s %18s%n", "", "", "", "", "", "gzip",
                "gzip+digests");
        for (String level : new String[] {"9", "1"}) {
            Figures base = figures.get("gzip/" + level);
            Figures hashed = figures.get("gzip+digests/" + level);
            print(level, "java.util.zip gzip", base, base, hashed, mb);
            print(level, "gzip + sha256 tar & .gz", hashed, base, hashed, mb);
            for (String threads : new String[] {"1", "0"}) {
                String what = "estargz, " + (threads.equals("0") ? cores + " threads" : "1 thread");
                print(level, what, figures.get("estargz/" + level + "/" + threads), base, hashed, mb);
            }
        }
        System.out.println("vs gzip: ratio of wall-time throughput; per core: the reference's CPU per byte divided"
                + " by this row's (1.00 = as fast per core; above 1 = faster)");
    }

    private static void print(String level, String what, Figures f, Figures base, Figures hashed, double mb) {
        if (f == null || base == null || hashed == null) {
            System.out.printf(Locale.ROOT, "%-5s %-24s %7s%n", level, what, "missing");
            return;
        }
        System.out.printf(Locale.ROOT, "%-5s %-24s %7.1f %8.2f %13.3f %14.2f %18.2f%n", level, what,
                mb / f.wallSeconds(), base.wallSeconds() / f.wallSeconds(), f.cpuSeconds() / (mb / 100),
                base.cpuSeconds() / f.cpuSeconds(), hashed.cpuSeconds() / f.cpuSeconds());
    }
}
