package dev.estargz.format.writer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.estargz.format.codec.GzipCodec;
import dev.estargz.format.reader.EStargzReader;
import dev.estargz.format.testing.Blobs;
import dev.estargz.format.testing.TestTar;
import dev.estargz.registry.Digest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Members are handed to compression threads in batches, held in memory or (when too big) streamed from the tar;
 * none of that may change a byte of the blob, and the digests computed from memory must equal those of the
 * streamed path.
 */
class BatchingTest {
    private static final int CHUNK = 8192;

    @TempDir
    Path tmp;

    /** Per-member tasks, small and default batches, a mix of in-memory and streamed members, all streamed. */
    private static final List<MemberPipeline.Batching> BATCHINGS = List.of(
            new MemberPipeline.Batching(1, Integer.MAX_VALUE),
            new MemberPipeline.Batching(64 * 1024, Integer.MAX_VALUE),
            MemberPipeline.Batching.DEFAULT,
            new MemberPipeline.Batching(16 * 1024, CHUNK + 1024),
            new MemberPipeline.Batching(1 << 20, 0));

    // Level 0 too: its stored blocks depend on how input is fed to the deflater, which must not vary either.
    @ParameterizedTest(name = "level {0}")
    @ValueSource(ints = {0, 1})
    void everyBatchingAndThreadCountWritesTheSameBlob(int level) throws Exception {
        Random rnd = new Random(7);
        List<TestTar.Entry> entries = new ArrayList<>();
        for (int d = 0; d < 120; d++) {
            entries.add(TestTar.dir("run/d" + d + "/")); // a long run of header-only entries in one member
        }
        byte[] big = null;
        for (int f = 0; f < 200; f++) {
            int size = switch (f % 50) {
                case 0 -> 0;
                case 1 -> CHUNK;
                case 2 -> 3 * CHUNK;
                case 3 -> 5 * CHUNK + 123;
                default -> rnd.nextInt(3000);
            };
            byte[] content = new byte[size];
            for (int i = 0; i < size; i++) {
                content[i] = (byte) ('a' + rnd.nextInt(rnd.nextBoolean() ? 3 : 26));
            }
            if (f == 3) {
                big = content;
            }
            entries.add(TestTar.file("f" + f, content));
        }
        Path in = tmp.resolve("in.tar");
        Files.write(in, TestTar.build(entries, "", TestTar.Format.PAX));
        ConvertOptions options = ConvertOptions.defaults().withChunkSize(CHUNK).withCompressionLevel(level);

        byte[] first = null;
        ConvertResult firstResult = null;
        for (MemberPipeline.Batching batching : BATCHINGS) {
            for (int threads : new int[] {1, 3}) {
                Path out = tmp.resolve("out");
                ConvertResult r = new EStargzConverter(new GzipCodec(), true, batching)
                        .convert(in, out, options.withThreads(threads));
                byte[] blob = Files.readAllBytes(out);
                if (first == null) {
                    first = blob;
                    firstResult = r;
                } else {
                    assertArrayEquals(first, blob, batching + " threads=" + threads);
                    assertEquals(firstResult, r, batching + " threads=" + threads);
                }
            }
        }
        assertEquals(Digest.sha256(Blobs.decompress(first)), firstResult.diffId());
        assertEquals(Digest.sha256(first), firstResult.blobDigest());
        EStargzReader reader = EStargzReader.open(new Blobs.CountingSource(first));
        reader.verifyToc(firstResult.tocDigest());
        reader.verifyAllChunks();
        assertEquals(6, reader.chunksOf("f3").size());
        assertEquals(Digest.sha256(big).toString(), reader.lookup("f3").orElseThrow().digest());
    }
}
