package dev.estargz.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
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
@Warmup(iterations = 2)
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

    /**
     * The baseline plus the two digests any producer of a gzip layer computes (diffID: sha256 of the tar; blob
     * digest: sha256 of the .tar.gz). Not the baseline, but it shows what share of the converter's extra
     * CPU is hashing that a plain layer needs anyway (eStargz adds a third pass, the chunk digests).
     */
    @Benchmark
    public long gzipWithDigests() throws IOException {
        Path out = outDir.resolve("out.tar.gz");
        MessageDigest diffId = sha256();
        MessageDigest blob = sha256();
        long n;
        try (InputStream in = new DigestInputStream(Files.newInputStream(tar), diffId);
                OutputStream os = new LevelGzipOutputStream(
                        new DigestOutputStream(Files.newOutputStream(out), blob), level)) {
            n = in.transferTo(os);
        }
        return n + diffId.digest()[0] + blob.digest()[0];
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
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
