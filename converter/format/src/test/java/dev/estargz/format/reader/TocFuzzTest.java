package dev.estargz.format.reader;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.estargz.format.InvalidLayerException;
import dev.estargz.format.testing.Blobs;
import dev.estargz.format.toc.Toc;
import dev.estargz.format.toc.TocEntry;
import dev.estargz.format.toc.TocFormatException;
import dev.estargz.format.toc.TocJson;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Any TOC JSON is parsed into a TOC or refused with a {@link TocFormatException}, and a layer with that TOC (over
 * the payload of {@link FuzzedLayers#payload()}) opens into a tree that keeps {@link LayerInvariants} or is refused
 * with an {@link InvalidLayerException}: never another exception, a stack overflow or an unbounded wait. The
 * build runs the seeds of {@link FuzzedLayers#tocs()} and the kept inputs (resources TocFuzzTestInputs/); with
 * {@code JAZZER_FUZZ=1} Jazzer fuzzes from them.
 */
class TocFuzzTest {

    @Test
    void theFirstSeedOpensAndKeepsTheInvariants() throws IOException {
        byte[] json = FuzzedLayers.tocs().findFirst().orElseThrow();
        Blobs.CountingSource source = new Blobs.CountingSource(Blobs.withToc(FuzzedLayers.payload(), json));
        EStargzReader r = EStargzReader.open(source);
        LayerInvariants.check(r, source);
        assertEquals(10, r.lookup("ten").orElseThrow().size());
        assertEquals(2, r.chunksOf("ten").size());
        assertArrayEquals("hello".getBytes(StandardCharsets.US_ASCII), r.readChunk(r.chunksOf("d/g").get(0)));
    }

    @MethodSource("dev.estargz.format.reader.FuzzedLayers#tocs")
    @DictionaryEntries({"\"version\":1", "\"entries\":", "\"name\":", "\"type\":", "\"reg\"", "\"dir\"",
            "\"chunk\"", "\"hardlink\"", "\"symlink\"", "\"char\"", "\"fifo\"", "\"linkName\":", "\"size\":",
            "\"offset\":", "\"innerOffset\":", "\"chunkOffset\":", "\"chunkSize\":", "\"digest\":",
            "\"chunkDigest\":", "\"xattrs\":", "\"mode\":", "\"uid\":", "\"userName\":", "\"sha256:", "../", "./",
            "null", "-1", "9223372036854775807"})
    @FuzzTest(maxDuration = "5s")
    void aTocIsALayerOrRefused(byte[] json) throws IOException {
        long started = System.nanoTime();
        Toc toc = null;
        try {
            toc = TocJson.parse(json);
            assertNotNull(toc.entries());
            for (TocEntry e : toc.entries()) {
                assertNotNull(e.name());
                assertNotNull(e.type());
            }
        } catch (TocFormatException refused) {
            assertTrue(refused.getMessage() != null && !refused.getMessage().isBlank(), "a refusal says why");
        }
        EStargzReader r;
        Blobs.CountingSource source = new Blobs.CountingSource(Blobs.withToc(FuzzedLayers.payload(), json));
        try {
            r = EStargzReader.open(source);
        } catch (InvalidLayerException refused) {
            FuzzedLayers.assertBounded(started);
            return;
        }
        assertNotNull(toc, "the reader opens only what the TOC parser accepts");
        LayerInvariants.check(r, source);
        FuzzedLayers.assertBounded(started);
    }
}
