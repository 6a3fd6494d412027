package dev.estargz.snapshotter.remote.stargz;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.estargz.registry.BlobSource;
import dev.estargz.registry.ByteRange;
import dev.estargz.registry.Digest;
import dev.estargz.snapshotter.config.BlobConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

class ServedLayerTest {
    private static final BlobSource REMOTE = new BlobSource() {
        @Override
        public long size() {
            return 100;
        }

        @Override
        public byte[] read(ByteRange r) {
            return new byte[(int) r.length()];
        }
    };

    private static ServedLayer served(RecordingBlobSource blob) {
        return new ServedLayer(null, null, Digest.sha256(new byte[0]), blob, System.nanoTime());
    }

    @Test
    void aLayerRestoredFromSavedBytesIsCheckedFirst() {
        RecordingBlobSource blob = new RecordingBlobSource(REMOTE, 100, List.of(
                new RecordingBlobSource.LocalSpan(50, new byte[50])));
        assertTrue(served(blob).needsRecheck(BlobConfig.DEFAULTS), "nothing has come from the registry yet");
    }

    @Test
    void aLayerResolvedFromTheTailTheRegistryJustSentIsNotCheckedAgain() {
        RecordingBlobSource blob = RecordingBlobSource.answeredWithTail(REMOTE, 100,
                new RecordingBlobSource.LocalSpan(0, new byte[100]));
        assertFalse(served(blob).needsRecheck(BlobConfig.DEFAULTS), "the tail was the registry's answer");
        BlobConfig noInterval = new BlobConfig(-1, false, 50000, 300, false, 0, 5, 30, 300000);
        assertTrue(served(blob).needsRecheck(noInterval), "until the interval has passed");
    }

    @Test
    void anAnswerFromTheRegistryCountsAsACheckWithinTheValidInterval() throws Exception {
        RecordingBlobSource blob = new RecordingBlobSource(REMOTE, 100, List.of(
                new RecordingBlobSource.LocalSpan(50, new byte[50])));
        ServedLayer s = served(blob);
        blob.read(new ByteRange(60, 10)); // answered locally: not a contact
        assertTrue(s.needsRecheck(BlobConfig.DEFAULTS));
        blob.read(new ByteRange(0, 10)); // the resolve's or a chunk's read
        assertFalse(s.needsRecheck(BlobConfig.DEFAULTS));
        BlobConfig always = new BlobConfig(60, true, 50000, 300, false, 0, 5, 30, 300000);
        assertTrue(s.needsRecheck(always), "check_always");
        BlobConfig noInterval = new BlobConfig(-1, false, 50000, 300, false, 0, 5, 30, 300000);
        assertTrue(s.needsRecheck(noInterval), "an interval that has passed");
    }
}
