package dev.estargz.snapshotter.remote.stargz;

import dev.estargz.registry.BlobSource;
import dev.estargz.registry.ByteRange;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A blob that answers reads from bytes kept locally (a layer's footer and TOC, saved when it was first mounted)
 * and sends every other read to the registry. While a thread records, the reads it makes are kept: that is how
 * the bytes the TOC reader needs are captured at mount time, without also keeping what the prefetch and FUSE
 * threads read meanwhile. Thread-safe.
 */
final class RecordingBlobSource implements BlobSource {
    private final BlobSource remote;
    private final long size;
    private volatile List<LocalSpan> local;
    private volatile Thread recorder;
    private final List<LocalSpan> recorded = new ArrayList<>();
    private volatile long lastAnswerNanos = Long.MIN_VALUE;

    /** A byte range held locally. */
    record LocalSpan(long offset, byte[] bytes) {
        boolean covers(ByteRange r) {
            return r.offset() >= offset && r.offset() + r.length() <= offset + bytes.length;
        }
    }

    RecordingBlobSource(BlobSource remote, long size, List<LocalSpan> local) {
        this.remote = remote;
        this.size = size;
        this.local = List.copyOf(local);
    }

    /**
     * A blob the registry has just answered for: its size and {@code tail} came in the resolve's first request,
     * which counts as a check (a layer whose TOC fits in the tail makes no other request before it is used, and
     * was probed again at the first container start without this).
     */
    static RecordingBlobSource answeredWithTail(BlobSource remote, long size, LocalSpan tail) {
        RecordingBlobSource blob = new RecordingBlobSource(remote, size, List.of(tail));
        blob.lastAnswerNanos = System.nanoTime();
        return blob;
    }

    /** Starts keeping the reads the current thread makes. */
    void recordCurrentThread() {
        recorder = Thread.currentThread();
    }

    /** Stops recording; returns the kept reads, which from now on are also answered locally. */
    synchronized List<LocalSpan> stopRecording() {
        recorder = null;
        List<LocalSpan> all = new ArrayList<>(local);
        all.addAll(recorded);
        local = List.copyOf(all);
        return List.copyOf(all);
    }

    /** The spans answered locally (what a mount saves for restore). */
    List<LocalSpan> localSpans() {
        return local;
    }

    /**
     * When the registry last answered a read of this blob ({@link System#nanoTime}), or {@code Long.MIN_VALUE}
     * if it never has (a layer restored from saved spans). As in the reference, any answer counts as a check.
     */
    long lastAnswerNanos() {
        return lastAnswerNanos;
    }

    /** One byte from the registry itself (never from the local spans): is the blob still reachable? */
    void probeRemote() throws IOException {
        remote.read(new ByteRange(0, Math.min(1, size)));
        lastAnswerNanos = System.nanoTime();
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public byte[] read(ByteRange range) throws IOException {
        for (LocalSpan s : local) {
            if (s.covers(range)) {
                int from = (int) (range.offset() - s.offset());
                return Arrays.copyOfRange(s.bytes(), from, from + (int) range.length());
            }
        }
        byte[] b = remote.read(range);
        lastAnswerNanos = System.nanoTime();
        if (recorder == Thread.currentThread()) {
            synchronized (this) {
                recorded.add(new LocalSpan(range.offset(), b));
            }
        }
        return b;
    }

    @Override
    public List<byte[]> readAll(List<ByteRange> ranges) throws IOException {
        // chunk reads never touch the saved footer and TOC: go to the registry in one request
        List<byte[]> out = remote.readAll(ranges);
        lastAnswerNanos = System.nanoTime();
        return out;
    }

    @Override
    public void close() throws IOException {
        remote.close();
    }

    @Override
    public String toString() {
        return remote.toString();
    }
}
