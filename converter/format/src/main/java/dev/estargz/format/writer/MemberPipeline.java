package dev.estargz.format.writer;

import dev.estargz.format.codec.MemberCodec;
import dev.estargz.format.codec.MemberCodec.MemberEncoder;
import dev.estargz.format.toc.TocEntry;
import dev.estargz.registry.Digest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
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
 * writes them in order, so the blob is the same for any number of threads. At most two members per thread are
 * in flight, which bounds memory. While writing it fills in offsets and digests and hashes the stream (blob
 * digest) and its uncompressed bytes (diffID).
 */
final class MemberPipeline implements AutoCloseable {
    private final MemberCodec codec;
    private final int threads;
    private final ExecutorService pool;
    private final BlockingQueue<MemberEncoder> encoders;
    private final List<MemberEncoder> allEncoders = new ArrayList<>();
    private final MessageDigest diffId = Digest.newSha256();
    private final MessageDigest blobHash = Digest.newSha256();
    private long uncompressed;
    private long written;

    MemberPipeline(MemberCodec codec, int level, int threads) {
        this.codec = codec;
        this.threads = threads;
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

    private record Compressed(byte[] bytes, String chunkDigest) {
    }

    /** Compresses and writes every member, filling offsets and digests into {@code entries}. */
    void writeMembers(FileChannel tar, List<MemberSpec> members, List<TocEntry.Builder> entries, OutputStream out)
            throws IOException {
        ArrayDeque<Future<Compressed>> window = new ArrayDeque<>();
        Iterator<MemberSpec> it = members.iterator();
        ArrayDeque<MemberSpec> pending = new ArrayDeque<>();
        MessageDigest fileHash = null;
        byte[] buf = new byte[64 * 1024];
        while (it.hasNext() || !window.isEmpty()) {
            while (window.size() < 2 * threads && it.hasNext()) {
                MemberSpec spec = it.next();
                pending.add(spec);
                window.add(pool.submit(() -> compress(tar, spec)));
            }
            Compressed c = await(window.poll());
            MemberSpec spec = pending.poll();
            long offset = written;
            write(out, c.bytes());
            if (spec.startsWithChunk()) {
                entries.get(spec.chunkEntry()).offset(offset).chunkDigest(c.chunkDigest());
                if (spec.firstChunk() && spec.lastChunk()) {
                    entries.get(spec.fileEntry()).digest(c.chunkDigest());
                } else if (spec.firstChunk()) {
                    fileHash = Digest.newSha256();
                }
            }
            // Re-read the member's bytes (from the page cache) for the sequential hashes.
            boolean hashFile = spec.startsWithChunk() && !(spec.firstChunk() && spec.lastChunk());
            try (SegmentInput in = new SegmentInput(tar, spec.segments(), hashFile ? fileHash : null)) {
                int n;
                while ((n = in.read(buf, 0, buf.length)) > 0) {
                    diffId.update(buf, 0, n);
                    uncompressed += n;
                }
            }
            if (hashFile && spec.lastChunk()) {
                entries.get(spec.fileEntry()).digest(Digest.ofSha256(fileHash.digest()).toString());
                fileHash = null;
            }
        }
    }

    private Compressed compress(FileChannel tar, MemberSpec spec) throws IOException, InterruptedException {
        MemberEncoder enc = encoders.take();
        try {
            MessageDigest chunkHash = spec.startsWithChunk() ? Digest.newSha256() : null;
            ByteArrayOutputStream bos = new ByteArrayOutputStream(64 * 1024);
            enc.writeMember(new SegmentInput(tar, spec.segments(), chunkHash), bos);
            return new Compressed(bos.toByteArray(),
                    chunkHash == null ? null : Digest.ofSha256(chunkHash.digest()).toString());
        } finally {
            encoders.add(enc);
        }
    }

    private static Compressed await(Future<Compressed> f) throws IOException {
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
        write(out, trailer.bytes());
        diffId.update(trailer.uncompressed());
        uncompressed += trailer.uncompressed().length;
        return tocOffset;
    }

    private void write(OutputStream out, byte[] b) throws IOException {
        out.write(b);
        blobHash.update(b);
        written += b.length;
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
