package dev.estargz.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import dev.estargz.format.writer.ConvertOptions;
import dev.estargz.format.writer.ConvertResult;
import dev.estargz.format.writer.EStargzConverter;

/**
 * {@code estargz convert} of a whole real layer tar per operation (the TOC, digests and the fsync of the output
 * included), at gzip levels 9 and 1, with one thread and with one per core ({@code threads = 0}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 2)
@Measurement(iterations = 3)
public class ConvertBenchmark {
    @Param({"9", "1"})
    public int level;

    @Param({"1", "0"})
    public int threads;

    private Path tar;
    private Path outDir;
    private ConvertOptions options;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        tar = BenchFiles.inputTar();
        outDir = BenchFiles.outputDir();
        int n = threads == 0 ? Runtime.getRuntime().availableProcessors() : threads;
        options = ConvertOptions.defaults().withCompressionLevel(level).withThreads(n);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        BenchFiles.delete(outDir);
    }

    @Benchmark
    public ConvertResult estargz() throws IOException {
        return new EStargzConverter().convert(tar, outDir.resolve("out.esgz"), options);
    }
}
