package dev.estargz.format.writer;

import dev.estargz.format.codec.MemberCodec;
import dev.estargz.format.codec.MemberCodec.MemberEncoder;
import dev.estargz.format.toc.TocEntry;
import dev.estargz.registry.Digest;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Compresses planned members on a pool of named threads, each member independently with a reset encoder, and
 * writes them in order, so the blob is the same for any number of threads. Consecutive small members go to a
 * thread together as one {@link MemberBatch} (see {@link Batching}); at most two batches per thread
 * are in flight and their buffers are reused, which bounds memory. While writing it fills in offsets and digests
 * and hashes the stream (blob digest) and its uncompressed bytes (diffID) from the batch's memory.
 */
final class MemberPipeline implements AutoCloseable {
    /**
     * How members are grouped into tasks; never changes the output.
     *
     * @param batchBytes    input per batch: big enough that hand-offs between threads cost little, small enough to
     *                      keep every thread busy
     * @param inMemoryLimit members up to this size are held in memory and read once; bigger ones (large chunk
     *                      sizes, or a huge run of header-only entries) are streamed from the tar and read twice
     */
    record Batching(int batchBytes, int inMemoryLimit) {
        /** 1 MiB batches; members up to 8 MiB (a default 4 MiB chunk plus the headers before it) in memory. */
        static final Batching DEFAULT = new Batching(1 << 20, 8 << 20);
    }

    private final MemberCodec codec;
    private final int threads;
    private final int batchBytes;
    private final int inMemoryLimit;
    private final ExecutorService pool;
    private final BlockingQueue<MemberEncoder> encoders;
    private final List<MemberEncoder> allEncoders = new ArrayList<>();
    private final ArrayDeque<MemberBatch> freeBatches = new ArrayDeque<>();
    private final MessageDigest diffId = Digest.newSha256();
    private final MessageDigest blobHash = Digest.newSha256();
    private MessageDigest fileHash;
    private long uncompressed;
    private long written;

    MemberPipeline(MemberCodec codec, int level, int threads, Batching batching) {
        this.codec = codec;
        this.threads = threads;
        this.batchBytes = batching.batchBytes();
        this.inMemoryLimit = batching.inMemoryLimit();
        this.encoders = new ArrayBlockingQueue<>(threads);
        for (int i = 0; i < threads; i++) {
            MemberEncoder e = codec.newEncoder(level);
            allEncoders.add(e);
            encoders.add(e);
        }
        AtomicInteger n = new AtomicInteger();
        ThreadFactory tf = r -> {
            Thread t = new Thread(r, "estargz-compress-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        this.pool = Executors.newFixedThreadPool(threads, tf);
    }

    /** Compresses and writes every member, filling offsets and digests into {@code entries}. */
    void writeMembers(FileChannel tar, List<MemberSpec> members, List<TocEntry.Builder> entries, OutputStream out)
            throws IOException {
        ArrayDeque<Future<MemberBatch>> window = new ArrayDeque<>();
        int next = 0;
        byte[] buf = new byte[64 * 1024];
        while (next < members.size() || !window.isEmpty()) {
            while (window.size() < 2 * threads && next < members.size()) {
                MemberBatch batch = freeBatches.isEmpty() ? new MemberBatch() : freeBatches.poll();
                next = assignNext(batch, members, next);
                window.add(pool.submit(() -> compress(tar, batch)));
            }
            MemberBatch batch = await(window.poll());
            for (int i = 0; i < batch.count(); i++) {
                writeMember(tar, batch, i, entries, out, buf);
            }
            freeBatches.add(batch);
        }
    }

    /** Gives {@code batch} the members from {@code next} on; returns the index after its last. */
    private int assignNext(MemberBatch batch, List<MemberSpec> members, int next) {
        if (length(members.get(next)) > inMemoryLimit) {
            batch.assign(members, next, 1, true);
            return next + 1;
        }
        long total = 0;
        int end = next;
        while (end < members.size()) {
            long len = length(members.get(end));
            if (len > inMemoryLimit || (end > next && total + len > batchBytes)) {
                break;
            }
            total += len;
            end++;
        }
        batch.assign(members, next, end - next, false);
        return end;
    }

    private static long length(MemberSpec spec) {
        long n = 0;
        for (MemberSpec.Segment s : spec.segments()) {
            n += s.length();
        }
        return n;
    }

    private void writeMember(FileChannel tar, MemberBatch batch, int i, List<TocEntry.Builder> entries,
            OutputStream out, byte[] buf) throws IOException {
        MemberSpec spec = batch.member(i);
        long offset = written;
        int cStart = batch.compressedStart(i);
        write(out, batch.compressed.array(), cStart, batch.compressedEnd(i) - cStart);
        String chunkDigest = batch.chunkDigest(i);
        if (spec.startsWithChunk()) {
            entries.get(spec.chunkEntry()).offset(offset).chunkDigest(chunkDigest);
            if (spec.firstChunk() && spec.lastChunk()) {
                entries.get(spec.fileEntry()).digest(chunkDigest);
            } else if (spec.firstChunk()) {
                fileHash = Digest.newSha256();
            }
        }
        boolean hashFile = spec.startsWithChunk() && !(spec.firstChunk() && spec.lastChunk());
        if (batch.holdsRaw()) {
            int rStart = batch.rawStart(i);
            diffId.update(batch.raw.array(), rStart, batch.rawEnd(i) - rStart);
            uncompressed += batch.rawEnd(i) - rStart;
            if (hashFile) {
                fileHash.update(batch.raw.array(), rStart, (int) spec.segments().get(0).length());
            }
        } else {
            // Too big to have been kept: re-read it (from the page cache) for the sequential hashes.
            try (SegmentInput in = new SegmentInput(tar, spec.segments(), hashFile ? fileHash : null)) {
                int n;
                while ((n = in.read(buf, 0, buf.length)) > 0) {
                    diffId.update(buf, 0, n);
                    uncompressed += n;
                }
            }
        }
        if (hashFile && spec.lastChunk()) {
            entries.get(spec.fileEntry()).digest(Digest.ofSha256(fileHash.digest()).toString());
            fileHash = null;
        }
    }

    private MemberBatch compress(FileChannel tar, MemberBatch batch) throws IOException, InterruptedException {
        MemberEncoder enc = encoders.take();
        try {
            batch.compress(tar, enc);
            return batch;
        } finally {
            encoders.add(enc);
        }
    }

    private static MemberBatch await(Future<MemberBatch> f) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while compressing");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            throw new IOException("compression failed: " + cause, cause);
        }
    }

    /** Writes the TOC member and the footer; returns the TOC offset. */
    long writeTocAndFooter(byte[] tocJson, OutputStream out) throws IOException {
        long tocOffset = written;
        MemberCodec.Trailer trailer = codec.trailer(tocJson, tocOffset, allEncoders.get(0));
        write(out, trailer.bytes(), 0, trailer.bytes().length);
        diffId.update(trailer.uncompressed());
        uncompressed += trailer.uncompressed().length;
        return tocOffset;
    }

    private void write(OutputStream out, byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
        blobHash.update(b, off, len);
        written += len;
    }

    long written() {
        return written;
    }

    long uncompressed() {
        return uncompressed;
    }

    Digest diffId() {
        return Digest.ofSha256(diffId.digest());
    }

    Digest blobDigest() {
        return Digest.ofSha256(blobHash.digest());
    }

    @Override
    public void close() {
        pool.shutdownNow();
        try {
            if (!pool.awaitTermination(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("compression threads did not stop");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        allEncoders.forEach(MemberEncoder::close);
    }
}
