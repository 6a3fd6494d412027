package dev.estargz.snapshotter.remote.stargz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.estargz.registry.BlobSource;
import dev.estargz.registry.ByteRange;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class RecordingBlobSourceTest {
    private static final byte[] BLOB = new byte[100];

    static {
        for (int i = 0; i < BLOB.length; i++) {
            BLOB[i] = (byte) i;
        }
    }

    /** The registry: answers from BLOB and notes every range it was asked for. */
    private final List<ByteRange> asked = new ArrayList<>();
    private final BlobSource remote = new BlobSource() {
        @Override
        public long size() {
            return BLOB.length;
        }

        @Override
        public byte[] read(ByteRange r) {
            asked.add(r);
            return Arrays.copyOfRange(BLOB, (int) r.offset(), (int) r.end());
        }
    };

    private static byte[] bytes(long from, long to) {
        return Arrays.copyOfRange(BLOB, (int) from, (int) to);
    }

    @Test
    void aReadEndingInTheTailAsksTheRegistryOnlyForWhatComesBeforeIt() throws Exception {
        RecordingBlobSource blob = RecordingBlobSource.answeredWithTail(remote, 100,
                new RecordingBlobSource.LocalSpan(60, bytes(60, 100)));
        assertArrayEquals(bytes(20, 90), blob.read(new ByteRange(20, 70)));
        assertArrayEquals(bytes(0, 100), blob.read(new ByteRange(0, 100)));
        assertArrayEquals(bytes(70, 80), blob.read(new ByteRange(70, 10)));
        assertArrayEquals(bytes(10, 30), blob.read(new ByteRange(10, 20)));
        assertEquals(List.of(new ByteRange(20, 40), new ByteRange(0, 60), new ByteRange(10, 20)), asked);
    }

    @Test
    void chunkReadsInOneRequestSkipWhatIsLocal() throws Exception {
        RecordingBlobSource blob = RecordingBlobSource.answeredWithTail(remote, 100,
                new RecordingBlobSource.LocalSpan(60, bytes(60, 100)));
        List<byte[]> got = blob.readAll(List.of(new ByteRange(0, 10), new ByteRange(62, 8), new ByteRange(40, 50)));
        assertArrayEquals(bytes(0, 10), got.get(0));
        assertArrayEquals(bytes(62, 70), got.get(1));
        assertArrayEquals(bytes(40, 90), got.get(2));
        assertEquals(List.of(new ByteRange(0, 10), new ByteRange(40, 20)), asked);
    }
}
