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
    enum Mode { OK, STALL, FAIL, CORRUPT, HOLD_SECOND_HALF }

    private final byte[] bytes;
    volatile Mode mode = Mode.OK;
    volatile CountDownLatch release = new CountDownLatch(0);
    /** In {@link Mode#HOLD_SECOND_HALF}: a one-range read shows its first half as arrived, then waits for this. */
    final CountDownLatch secondHalf = new CountDownLatch(1);
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
    public byte[] read(ByteRange range, Arrivals arrivals) throws IOException {
        if (mode != Mode.HOLD_SECOND_HALF) {
            return BlobSource.super.read(range, arrivals);
        }
        requests.incrementAndGet();
        asked.add(List.of(range));
        byte[] b = Arrays.copyOfRange(bytes, (int) range.offset(), (int) range.end());
        arrivals.arrived(b, b.length / 2);
        try {
            secondHalf.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        arrivals.arrived(b, b.length);
        return b;
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
