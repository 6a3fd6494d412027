package dev.estargz.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;

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

/** The baseline: the same tar through {@code java.util.zip.GZIPOutputStream} at the same level, into a file. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 1)
@Measurement(iterations = 3)
public class GzipBaselineBenchmark {
    @Param({"9", "1"})
    public int level;

    private Path tar;
    private Path outDir;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        tar = BenchFiles.inputTar();
        outDir = BenchFiles.outputDir();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        BenchFiles.delete(outDir);
    }

    @Benchmark
    public long gzip() throws IOException {
        Path out = outDir.resolve("out.tar.gz");
        try (InputStream in = Files.newInputStream(tar);
                OutputStream os = new LevelGzipOutputStream(Files.newOutputStream(out), level)) {
            return in.transferTo(os);
        }
    }

    /** GZIPOutputStream has no level parameter; its Deflater is protected. */
    private static final class LevelGzipOutputStream extends GZIPOutputStream {
        LevelGzipOutputStream(OutputStream out, int level) throws IOException {
            super(out, 1 << 16);
            def.setLevel(level);
        }
    }
}
