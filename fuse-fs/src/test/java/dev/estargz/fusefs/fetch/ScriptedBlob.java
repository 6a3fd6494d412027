package dev.estargz.fusefs.fetch;

import dev.estargz.registry.BlobSource;
import dev.estargz.registry.ByteRange;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/** A blob in memory that counts requests and can stall, fail or corrupt them on demand. */
final class ScriptedBlob implements BlobSource {
    enum Mode { OK, STALL, FAIL, CORRUPT }

    private final byte[] bytes;
    volatile Mode mode = Mode.OK;
    volatile CountDownLatch release = new CountDownLatch(0);
    final AtomicInteger requests = new AtomicInteger();
    final List<List<ByteRange>> asked = java.util.Collections.synchronizedList(new ArrayList<>());

    ScriptedBlob(byte[] bytes) {
        this.bytes = bytes;
    }

    @Override
    public long size() {
        return bytes.length;
    }

    @Override
    public byte[] read(ByteRange range) throws IOException {
        return readAll(List.of(range)).get(0);
    }

    @Override
    public List<byte[]> readAll(List<ByteRange> ranges) throws IOException {
        requests.incrementAndGet();
        asked.add(List.copyOf(ranges));
        try {
            release.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        Mode m = mode;
        if (m == Mode.STALL) {
            try {
                Thread.sleep(Long.MAX_VALUE);
            } catch (InterruptedException e) {
                throw new IOException("stalled request interrupted");
            }
        }
        if (m == Mode.FAIL) {
            throw new IOException("registry unreachable");
        }
        List<byte[]> out = new ArrayList<>();
        for (ByteRange r : ranges) {
            byte[] b = Arrays.copyOfRange(bytes, (int) r.offset(), (int) r.end());
            if (m == Mode.CORRUPT) {
                b[b.length / 2] ^= 0x40;
            }
            out.add(b);
        }
        return out;
    }
}
