package dev.estargz.format.writer;

import dev.estargz.format.codec.MemberCodec.MemberEncoder;
import dev.estargz.registry.Digest;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.security.MessageDigest;
import java.util.List;

/**
 * Consecutive members compressed by one task, so that thousands of small files do not each cost a task hand-off
 * between threads. Each member is still compressed on its own with a reset encoder, so batching never changes
 * the bytes. Normally the members' uncompressed bytes are read once into {@link #raw} and kept there for the
 * writer thread's sequential hashes; a single member too big to hold ({@code streamed}) is compressed from the
 * tar as a stream and re-read by the writer. The buffers are reused for later batches.
 */
final class MemberBatch {
    final GrowableBytes raw = new GrowableBytes(64 * 1024);
    final GrowableBytes compressed = new GrowableBytes(64 * 1024);
    private List<MemberSpec> members;
    private int from;
    private int count;
    private boolean streamed;
    private int[] rawEnd = new int[16];
    private int[] compressedEnd = new int[16];
    private String[] chunkDigest = new String[16];

    /** Makes this batch stand for {@code members[from, from + count)}. */
    void assign(List<MemberSpec> members, int from, int count, boolean streamed) {
        if (streamed && count != 1) {
            throw new IllegalArgumentException("a streamed batch holds exactly one member");
        }
        this.members = members;
        this.from = from;
        this.count = count;
        this.streamed = streamed;
        if (rawEnd.length < count) {
            rawEnd = new int[count];
            compressedEnd = new int[count];
            chunkDigest = new String[count];
        }
    }

    int count() {
        return count;
    }

    MemberSpec member(int i) {
        return members.get(from + i);
    }

    /** The member's uncompressed bytes are in {@link #raw} (otherwise re-read them from the tar). */
    boolean holdsRaw() {
        return !streamed;
    }

    int rawStart(int i) {
        return i == 0 ? 0 : rawEnd[i - 1];
    }

    int rawEnd(int i) {
        return rawEnd[i];
    }

    int compressedStart(int i) {
        return i == 0 ? 0 : compressedEnd[i - 1];
    }

    int compressedEnd(int i) {
        return compressedEnd[i];
    }

    /** sha256 of the member's payload chunk, or null when it starts with no chunk. */
    String chunkDigest(int i) {
        return chunkDigest[i];
    }

    /** Runs on a compression thread. */
    void compress(FileChannel tar, MemberEncoder encoder) throws IOException {
        raw.reset();
        compressed.reset();
        MessageDigest chunkHash = Digest.newSha256();
        for (int i = 0; i < count; i++) {
            MemberSpec spec = member(i);
            if (streamed) {
                encoder.writeMember(new SegmentInput(tar, spec.segments(), spec.startsWithChunk() ? chunkHash : null),
                        compressed);
            } else {
                int start = raw.size();
                read(tar, spec.segments());
                if (spec.startsWithChunk()) {
                    // The chunk is the member's first segment.
                    chunkHash.update(raw.array(), start, (int) spec.segments().get(0).length());
                }
                encoder.writeMember(new ByteArrayInputStream(raw.array(), start, raw.size() - start), compressed);
            }
            rawEnd[i] = raw.size();
            compressedEnd[i] = compressed.size();
            chunkDigest[i] = spec.startsWithChunk() ? Digest.ofSha256(chunkHash.digest()).toString() : null;
        }
    }

    /** Appends the segments to {@link #raw}, reading adjacent ranges of the tar with one positional read. */
    private void read(FileChannel tar, List<MemberSpec.Segment> segments) throws IOException {
        int n = segments.size();
        for (int s = 0; s < n; s++) {
            MemberSpec.Segment seg = segments.get(s);
            if (seg instanceof MemberSpec.FileRange r) {
                long offset = r.offset();
                long length = r.length();
                while (s + 1 < n && segments.get(s + 1) instanceof MemberSpec.FileRange next
                        && next.offset() == offset + length) {
                    length += next.length();
                    s++;
                }
                readFully(tar, offset, raw.extend(Math.toIntExact(length)), (int) length);
            } else if (seg instanceof MemberSpec.Bytes b) {
                raw.write(b.data(), 0, b.data().length);
            } else {
                int at = raw.extend(((MemberSpec.Zeros) seg).count());
                java.util.Arrays.fill(raw.array(), at, raw.size(), (byte) 0);
            }
        }
    }

    private void readFully(FileChannel tar, long offset, int at, int length) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(raw.array(), at, length);
        while (buf.hasRemaining()) {
            if (tar.read(buf, offset + (buf.position() - at)) < 0) {
                throw new EOFException("staged tar shrank while it was being converted");
            }
        }
    }
}
