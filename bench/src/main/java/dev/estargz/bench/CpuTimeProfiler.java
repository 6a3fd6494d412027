package dev.estargz.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.stream.Stream;

import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

/**
 * CPU seconds the benchmark JVM used per iteration, so work per byte can be compared with the baseline even when
 * other processes share the cores (wall time then says little). Reports the process total ({@code cpu.process})
 * and, separately, what the JIT compiler threads used ({@code cpu.jit}, read from {@code /proc/self/task}), which
 * is warm-up cost rather than conversion work.
 */
public final class CpuTimeProfiler implements InternalProfiler {
    /** Secondary result: process CPU seconds per iteration. */
    public static final String PROCESS = "cpu.process";
    /** Secondary result: JIT compiler threads' CPU seconds per iteration. */
    public static final String JIT = "cpu.jit";

    private static final double SECONDS_PER_TICK = 0.01; // USER_HZ is 100 on Linux
    private final com.sun.management.OperatingSystemMXBean os =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    private long processStart;
    private double jitStart;

    @Override
    public String getDescription() {
        return "process and JIT-compiler CPU seconds per iteration";
    }

    @Override
    public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
        jitStart = jitSeconds();
        processStart = os.getProcessCpuTime();
    }

    @Override
    public Collection<? extends Result> afterIteration(BenchmarkParams benchmarkParams,
            IterationParams iterationParams, IterationResult result) {
        double process = (os.getProcessCpuTime() - processStart) / 1e9;
        double jit = Math.max(0, jitSeconds() - jitStart);
        return List.of(new ScalarResult(PROCESS, process, "s", AggregationPolicy.AVG),
                new ScalarResult(JIT, jit, "s", AggregationPolicy.AVG));
    }

    /** utime + stime of the threads named "C1/C2 CompilerThread…"; 0 where /proc is not there. */
    private static double jitSeconds() {
        long ticks = 0;
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path t : tasks.toList()) {
                try {
                    String stat = Files.readString(t.resolve("stat"));
                    int open = stat.indexOf('(');
                    int close = stat.lastIndexOf(')');
                    String comm = stat.substring(open + 1, close);
                    if (comm.startsWith("C1 Compiler") || comm.startsWith("C2 Compiler")) {
                        // Fields after the command: state is field 3, utime 14 and stime 15.
                        String[] f = stat.substring(close + 2).split(" ");
                        ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]);
                    }
                } catch (IOException | RuntimeException e) {
                    // the thread ended while we looked; its time is gone either way
                }
            }
        } catch (IOException e) {
            return 0;
        }
        return ticks * SECONDS_PER_TICK;
    }
}
