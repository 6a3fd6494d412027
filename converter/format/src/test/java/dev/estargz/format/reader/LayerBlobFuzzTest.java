package dev.estargz.format.reader;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.estargz.format.testing.Blobs;
import java.io.IOException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Any blob opens into a layer that keeps {@link LayerInvariants} or is refused with an
 * {@link dev.estargz.format.InvalidLayerException}: the footer, the TOC member (gzip or zstd) and the TOC together.
 * The build runs the writer's blobs and the kept inputs (resources LayerBlobFuzzTestInputs/); with
 * {@code JAZZER_FUZZ=1} Jazzer fuzzes from them.
 */
class LayerBlobFuzzTest {

    @Test
    void theWritersBlobsOpenAndKeepTheInvariants() throws IOException {
        for (byte[] blob : FuzzedLayers.blobs().toList()) {
            Blobs.CountingSource source = new Blobs.CountingSource(blob);
            EStargzReader r = EStargzReader.open(source);
            LayerInvariants.check(r, source);
            assertEquals(5, r.chunksOf("big").size());
            assertEquals("etc/hosts", r.lookup("hard").orElseThrow().name());
        }
    }

    @MethodSource("dev.estargz.format.reader.FuzzedLayers#blobs")
    @DictionaryEntries({"STARGZ", "GnUlInUx", "GNUlInUx", "\"version\":1", "\"entries\":"})
    @FuzzTest(maxDuration = "2s")
    void aBlobIsALayerOrRefused(byte[] blob) throws IOException {
        long started = System.nanoTime();
        LayerInvariants.openAndCheck(new Blobs.CountingSource(blob));
        FuzzedLayers.assertBounded(started);
    }
}
