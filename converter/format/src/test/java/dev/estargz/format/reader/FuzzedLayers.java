package dev.estargz.format.reader;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.estargz.format.codec.MemberCodec;
import dev.estargz.format.codec.ZstdChunkedCodec;
import dev.estargz.format.testing.RawLayer;
import dev.estargz.format.testing.TestTar;
import dev.estargz.format.writer.ConvertOptions;
import dev.estargz.format.writer.EStargzConverter;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/**
 * The layers the reader's fuzz targets start from, made here rather than kept as files: a payload of gzip members
 * with TOCs that point into it, and whole blobs as the writer makes them.
 */
final class FuzzedLayers {
    /**
     * No input of a fuzz target's size (a few KB, a millisecond's work) may take longer than this to open, check
     * and read; generous, as other builds share the machine's two cores. The first input of a JVM is not timed:
     * it loads and instruments the classes.
     */
    static final Duration BOUND = Duration.ofSeconds(5);
    private static final AtomicBoolean WARM = new AtomicBoolean();

    private static final String HELLO = "hello";
    private static final String TEN = "0123456789";
    private static final RawLayer LAYER = new RawLayer();
    private static final String TOC;

    static {
        RawLayer l = LAYER;
        long first = l.member(TEN.substring(0, 6).getBytes(StandardCharsets.US_ASCII));
        long second = l.member(TEN.substring(6).getBytes(StandardCharsets.US_ASCII));
        l.dir("d/")
                .entry("{\"name\":\"ten\",\"type\":\"reg\",\"size\":10,\"offset\":" + first + ",\"chunkSize\":6,"
                        + "\"digest\":\"" + RawLayer.sha256(TEN) + "\",\"chunkDigest\":\""
                        + RawLayer.sha256(TEN.substring(0, 6)) + "\"}")
                .entry("{\"name\":\"ten\",\"type\":\"chunk\",\"offset\":" + second + ",\"chunkOffset\":6,"
                        + "\"chunkSize\":4,\"chunkDigest\":\"" + RawLayer.sha256(TEN.substring(6)) + "\"}")
                .file("d/f", HELLO).file("empty", "")
                .entry("{\"name\":\"d/link\",\"type\":\"symlink\",\"linkName\":\"../empty\"}")
                .hardlink("d/g", "d/f")
                .entry("{\"name\":\"fifo\",\"type\":\"fifo\",\"mode\":4480,\"uid\":1,\"userName\":\"u\"}")
                .entry("{\"name\":\"d/x\",\"type\":\"reg\",\"size\":0,\"xattrs\":{\"user.a\":\"Yg==\"}}");
        TOC = l.tocJson();
    }

    private FuzzedLayers() {
    }

    /** The members every fuzzed TOC is put after. */
    static byte[] payload() {
        return LAYER.payload();
    }

    /** TOC JSON that opens over {@link #payload()}, and a few that are refused, to start fuzzing from. */
    static Stream<byte[]> tocs() {
        return Stream.of(TOC, "{\"version\":1,\"entries\":null}",
                TOC.replace("\"chunkOffset\":6", "\"chunkOffset\":5"),
                TOC.replace("\"d/g\",\"type\":\"hardlink\",\"linkName\":\"d/f\"", "\"d/g\",\"type\":\"hardlink\","
                        + "\"linkName\":\"d/g\""))
                .map(s -> s.getBytes(StandardCharsets.UTF_8));
    }

    /** Whole blobs as the writer makes them: eStargz and zstd:chunked, with small chunks. */
    static Stream<byte[]> blobs() {
        byte[] tar = TestTar.build(List.of(TestTar.dir("etc/"), TestTar.file("etc/hosts", "127.0.0.1 localhost\n"),
                TestTar.file("big", TEN.repeat(30)), TestTar.file("empty", ""), TestTar.symlink("link", "etc/hosts"),
                TestTar.link("hard", "etc/hosts")), "", TestTar.Format.PAX);
        return Stream.of(convert(tar, null), convert(tar, new ZstdChunkedCodec()));
    }

    private static byte[] convert(byte[] tar, MemberCodec codec) {
        EStargzConverter c = codec == null ? new EStargzConverter() : new EStargzConverter(codec);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            c.convert(new ByteArrayInputStream(tar), out,
                    ConvertOptions.defaults().withChunkSize(64).withCompressionLevel(1).withThreads(1));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static void assertBounded(long startedNanos) {
        Duration took = Duration.ofNanos(System.nanoTime() - startedNanos);
        if (!WARM.getAndSet(true)) {
            return;
        }
        assertTrue(took.compareTo(BOUND) <= 0, "took " + took.toMillis() + " ms, more than " + BOUND.toMillis());
    }
}
