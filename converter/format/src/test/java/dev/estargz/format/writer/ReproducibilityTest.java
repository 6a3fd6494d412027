package dev.estargz.format.writer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.estargz.format.testing.TestTar;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Unlike the reference's, our output is byte-identical for any number of compression threads. */
class ReproducibilityTest {
    @TempDir
    Path tmp;

    @Test
    void outputIsTheSameForOneTwoAndEightThreads() throws Exception {
        Random rnd = new Random(42);
        List<TestTar.Entry> entries = new ArrayList<>();
        for (int d = 0; d < 5; d++) {
            entries.add(TestTar.dir("d" + d + "/"));
            for (int f = 0; f < 40; f++) {
                byte[] content = new byte[rnd.nextInt(20000)];
                for (int i = 0; i < content.length; i++) {
                    content[i] = (byte) ('a' + rnd.nextInt(rnd.nextBoolean() ? 4 : 26));
                }
                entries.add(TestTar.file("d" + d + "/f" + f, content));
            }
        }
        Path in = tmp.resolve("in.tar.gz");
        Files.write(in, TestTar.compress(TestTar.build(entries, "./", TestTar.Format.PAX), TestTar.Compression.GZIP));
        byte[] first = null;
        ConvertResult firstResult = null;
        for (int threads : new int[] {1, 2, 8}) {
            Path out = tmp.resolve("out-" + threads);
            ConvertResult r = new EStargzConverter().convert(in, out,
                    ConvertOptions.defaults().withChunkSize(8192).withThreads(threads)
                            .withPrioritizedFiles(List.of("d3/f7", "d1/f0"), false));
            byte[] blob = Files.readAllBytes(out);
            if (first == null) {
                first = blob;
                firstResult = r;
            } else {
                assertArrayEquals(first, blob, "threads=" + threads);
                assertEquals(firstResult, r);
            }
        }
        // The stream variant writes the same bytes too.
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (var s = Files.newInputStream(in)) {
            new EStargzConverter().convert(s, bos, ConvertOptions.defaults().withChunkSize(8192).withThreads(3)
                    .withPrioritizedFiles(List.of("d3/f7", "d1/f0"), false).withTempDir(tmp));
        }
        assertArrayEquals(first, bos.toByteArray());
    }
}
