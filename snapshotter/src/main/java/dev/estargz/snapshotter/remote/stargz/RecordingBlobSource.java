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
public final class RecordingBlobSource implements BlobSource {
    private final BlobSource remote;
    private final long size;
    private volatile List<LocalSpan> local;
    private volatile Thread recorder;
    private final List<LocalSpan> recorded = new ArrayList<>();
    private volatile long lastAnswerNanos = Long.MIN_VALUE;

    /** A byte range held locally. */
    record LocalSpan(long offset, byte[] bytes) {
        /** The first offset past the span. */
        long end() {
            return offset + bytes.length;
        }

        boolean covers(ByteRange r) {
            return r.offset() >= offset && r.end() <= end();
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
        byte[] local = fromLocal(range);
        if (local != null) {
            return local;
        }
        ByteRange remoteRange = beforeLocalEnd(range);
        byte[] b = complete(range, remoteRange, remote.read(remoteRange));
        lastAnswerNanos = System.nanoTime();
        if (recorder == Thread.currentThread()) {
            synchronized (this) {
                recorded.add(new LocalSpan(range.offset(), b));
            }
        }
        return b;
    }

    /** As {@link #read(ByteRange)}; a read the registry answers alone streams to {@code arrivals}. */
    @Override
    public byte[] read(ByteRange range, Arrivals arrivals) throws IOException {
        if (recorder == Thread.currentThread() || local.stream().anyMatch(s -> s.covers(range))
                || !beforeLocalEnd(range).equals(range)) {
            return BlobSource.super.read(range, arrivals);
        }
        byte[] b = remote.read(range, arrivals);
        lastAnswerNanos = System.nanoTime();
        return b;
    }

    @Override
    public List<byte[]> readAll(List<ByteRange> ranges) throws IOException {
        // chunk reads (one request for all of them): what the local spans hold is not asked for again
        byte[][] out = new byte[ranges.size()][];
        List<ByteRange> asked = new ArrayList<>();
        List<Integer> askedFor = new ArrayList<>();
        for (int i = 0; i < ranges.size(); i++) {
            out[i] = fromLocal(ranges.get(i));
            if (out[i] == null) {
                asked.add(beforeLocalEnd(ranges.get(i)));
                askedFor.add(i);
            }
        }
        if (!asked.isEmpty()) {
            List<byte[]> got = asked.size() == 1 ? List.of(remote.read(asked.get(0))) : remote.readAll(asked);
            lastAnswerNanos = System.nanoTime();
            for (int k = 0; k < asked.size(); k++) {
                int i = askedFor.get(k);
                out[i] = complete(ranges.get(i), asked.get(k), got.get(k));
            }
        }
        return List.of(out);
    }

    /** The bytes of {@code range} when one local span holds all of them, else null. */
    private byte[] fromLocal(ByteRange range) {
        for (LocalSpan s : local) {
            if (s.covers(range)) {
                int from = (int) (range.offset() - s.offset());
                return Arrays.copyOfRange(s.bytes(), from, from + (int) range.length());
            }
        }
        return null;
    }

    /**
     * The part of {@code range} to ask the registry for: all of it, or only what comes before a local span that
     * holds its end (the tail read when the layer was resolved: on a small layer a prefetch or a read of the last
     * files would otherwise fetch up to 256 KiB a second time).
     */
    private ByteRange beforeLocalEnd(ByteRange range) {
        for (LocalSpan s : local) {
            if (s.offset() > range.offset() && s.offset() < range.end() && s.end() >= range.end()) {
                return new ByteRange(range.offset(), s.offset() - range.offset());
            }
        }
        return range;
    }

    /** {@code range}'s bytes from the registry's answer for {@code asked} (a prefix of it) and the local span. */
    private byte[] complete(ByteRange range, ByteRange asked, byte[] answer) throws IOException {
        if (asked.equals(range)) {
            return answer;
        }
        if (answer.length != asked.length()) {
            throw new IOException(remote + ": asked for " + asked + ", got " + answer.length + " bytes");
        }
        byte[] out = Arrays.copyOf(answer, (int) range.length());
        byte[] rest = fromLocal(new ByteRange(asked.end(), range.end() - asked.end()));
        if (rest == null) {
            throw new IllegalStateException("the local span holding the end of " + range + " is gone");
        }
        System.arraycopy(rest, 0, out, answer.length, rest.length);
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
