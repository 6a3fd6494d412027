package dev.estargz.format.writer;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.security.MessageDigest;
import java.util.List;

/**
 * Streams a member's segments from the staged tar with positional reads (so many threads can share one channel),
 * optionally hashing the first segment, which is the member's payload chunk.
 */
final class SegmentInput extends InputStream {
    private final FileChannel channel;
    private final List<MemberSpec.Segment> segments;
    private final MessageDigest firstSegmentHash;
    private int index;
    private long pos;

    SegmentInput(FileChannel channel, List<MemberSpec.Segment> segments, MessageDigest firstSegmentHash) {
        this.channel = channel;
        this.segments = segments;
        this.firstSegmentHash = firstSegmentHash;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    /**
     * Fills {@code b} across segment boundaries, so an encoder sees the same pieces as from an in-memory copy of
     * the member (stored deflate blocks, level 0, depend on how the input is fed).
     */
    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int done = 0;
        while (done < len) {
            int n = readSegment(b, off + done, len - done);
            if (n < 0) {
                break;
            }
            done += n;
        }
        return done == 0 && len > 0 ? -1 : done;
    }

    private int readSegment(byte[] b, int off, int len) throws IOException {
        while (index < segments.size() && pos == segments.get(index).length()) {
            index++;
            pos = 0;
        }
        if (index == segments.size()) {
            return -1;
        }
        MemberSpec.Segment s = segments.get(index);
        int n = (int) Math.min(len, s.length() - pos);
        if (s instanceof MemberSpec.FileRange r) {
            ByteBuffer buf = ByteBuffer.wrap(b, off, n);
            while (buf.hasRemaining()) {
                int got = channel.read(buf, r.offset() + pos + (buf.position() - off));
                if (got < 0) {
                    throw new EOFException("staged tar shrank while it was being converted");
                }
            }
        } else if (s instanceof MemberSpec.Bytes bytes) {
            System.arraycopy(bytes.data(), (int) pos, b, off, n);
        } else {
            java.util.Arrays.fill(b, off, off + n, (byte) 0);
        }
        if (index == 0 && firstSegmentHash != null) {
            firstSegmentHash.update(b, off, n);
        }
        pos += n;
        return n;
    }
}
