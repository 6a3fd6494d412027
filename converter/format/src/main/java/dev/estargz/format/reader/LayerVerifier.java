package dev.estargz.format.reader;

import dev.estargz.format.DigestMismatchException;
import dev.estargz.format.InvalidLayerException;
import dev.estargz.format.codec.MemberCodec;
import dev.estargz.format.toc.EntryType;
import dev.estargz.format.toc.TocEntry;
import dev.estargz.registry.BlobSource;
import dev.estargz.registry.ByteRange;
import dev.estargz.registry.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Reads a whole layer once, in blob order, and checks everything its TOC lets one check: every member before
 * the TOC decompresses whole (gzip: each member's CRC-32 and length trailer too), every chunk matches its
 * {@code chunkDigest}, and every regular file read in full matches its {@code digest}. Members are fetched in
 * batches of a few MiB of adjacent ranges (one read, or one multi-range request on a registry), and decompressed
 * as streams: memory depends on neither the layer's nor a member's size.
 */
public final class LayerVerifier {
    /** Compressed bytes fetched per batch: large enough to amortise a round trip, small enough to hold. */
    public static final long BATCH_BYTES = 8L << 20;

    /** What was checked: chunks against their digests, regular files against theirs. */
    public record Result(long chunks, long files) {
    }

    private final EStargzReader reader;
    private final TocIndex index;
    private final BlobSource source;
    private final String layer;
    private static final byte[] EMPTY_SHA256 = Digest.newSha256().digest();

    private final byte[] buffer = new byte[64 * 1024];
    private static final String SHA256_PREFIX = "sha256:";

    private final MessageDigest chunkHasher = Digest.newSha256();
    private final MessageDigest fileHasher = Digest.newSha256();
    private final List<Group> batch = new ArrayList<>();
    private long batchBytes;
    private MemberCodec.MemberChecker checker;
    private long chunks;
    private long files;

    /** The chunks whose payload starts in the member(s) at one offset, up to the next such offset. */
    private record Group(long offset, long end, List<FileChunk> chunks) {
    }

    /** A chunk and, when it is a file's last, the file's entry (whose digest then covers the hashed chunks). */
    private record FileChunk(Chunk chunk, TocEntry completes) {
    }

    private LayerVerifier(EStargzReader reader, BlobSource source) {
        this.reader = reader;
        this.index = reader.index();
        this.source = source;
        this.layer = reader.layerName();
    }

    /**
     * Verifies the layer {@code reader} opened, reading its bytes from {@code source} (the reader's own or one
     * that fetches the same blob differently).
     *
     * @throws DigestMismatchException when a chunk or a file does not match the TOC
     * @throws InvalidLayerException   when a member is corrupt or the TOC gives no digest to check against
     */
    public static Result verify(EStargzReader reader, BlobSource source) throws IOException {
        return new LayerVerifier(reader, source).run();
    }

    private Result run() throws IOException {
        try (MemberCodec.MemberChecker c = reader.codec().newMemberChecker()) {
            checker = c;
            return check();
        }
    }

    private Result check() throws IOException {
        String problem = index.verificationProblem();
        if (problem != null) {
            throw new InvalidLayerException(layer, null, reader.tocOffset(), "cannot verify chunks: " + problem,
                    null);
        }
        List<TocEntry> entries = index.entries();
        long end = index.dataEnd();
        // Groups are made in blob order; a group's end is only known when the next one starts.
        long groupOffset = -1;
        List<FileChunk> group = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            TocEntry e = entries.get(i);
            if (e.type() != EntryType.REG) {
                continue;
            }
            List<Chunk> cs = index.fileChunks(i);
            if (cs.isEmpty()) {
                checkDigest(e, EMPTY_SHA256); // an empty file: its digest must be that of no bytes
                files++;
                continue;
            }
            for (int c = 0; c < cs.size(); c++) {
                Chunk chunk = cs.get(c);
                if (chunk.digest().isEmpty()) {
                    throw new InvalidLayerException(layer, chunk.name(), chunk.compressedOffset(),
                            "chunk has no digest to verify against", null);
                }
                if (chunk.compressedOffset() != groupOffset) {
                    if (groupOffset < 0) {
                        add(new Group(0, chunk.compressedOffset(), List.of())); // the members of headers only
                    } else {
                        add(new Group(groupOffset, chunk.compressedOffset(), group));
                    }
                    groupOffset = chunk.compressedOffset();
                    group = new ArrayList<>();
                }
                group.add(new FileChunk(chunk, c == cs.size() - 1 ? e : null));
            }
        }
        add(groupOffset < 0 ? new Group(0, end, List.of()) : new Group(groupOffset, end, group));
        flush();
        return new Result(chunks, files);
    }

    private void add(Group g) throws IOException {
        if (g.end() == g.offset()) {
            return; // no bytes: nothing before the first payload member, or an empty layer
        }
        if (g.end() - g.offset() > Integer.MAX_VALUE - 16) {
            throw new InvalidLayerException(layer, null, g.offset(), "the " + (g.end() - g.offset())
                    + " bytes of members at " + g.offset() + " are too many to check as one", null);
        }
        if (!batch.isEmpty() && batchBytes + (g.end() - g.offset()) > BATCH_BYTES) {
            flush();
        }
        batch.add(g);
        batchBytes += g.end() - g.offset();
    }

    private void flush() throws IOException {
        if (batch.isEmpty()) {
            return;
        }
        // groups tile the blob, so a batch is one range
        long from = batch.get(0).offset();
        long to = batch.get(batch.size() - 1).end();
        byte[] bytes = source.read(new ByteRange(from, to - from));
        for (Group g : batch) {
            verifyGroup(g, bytes, (int) (g.offset() - from), (int) (g.end() - g.offset()));
        }
        batch.clear();
        batchBytes = 0;
    }

    private void verifyGroup(Group g, byte[] bytes, int offset, int length) throws IOException {
        long at = 0;
        FileChunk current = null;
        try (InputStream in = checker.open(bytes, offset, length)) {
            for (FileChunk fc : g.chunks()) {
                current = fc;
                Chunk c = fc.chunk();
                if (c.innerOffset() < at) {
                    throw new InvalidLayerException(layer, c.name(), c.compressedOffset(), "chunk at inner offset "
                            + c.innerOffset() + " overlaps the chunk before it in the member (ending at " + at + ")",
                            null);
                }
                skip(in, c.innerOffset() - at);
                TocEntry file = fc.completes();
                // a file of one chunk whose digest is its chunk's: checked with the chunk
                boolean checkedWithChunk = file != null && c.fileOffset() == 0 && file.digest().equals(c.digest());
                verifyChunk(in, c, !checkedWithChunk);
                at = c.innerOffset() + c.size();
                if (file != null) {
                    if (!checkedWithChunk) {
                        checkFileDigest(file);
                    }
                    files++;
                }
            }
            current = null;
            while (in.read(buffer) >= 0) {
                // the rest of the member(s): the stream checks them as it reaches their ends
            }
        } catch (InvalidLayerException e) {
            throw e;
        } catch (IOException e) {
            // after its chunks, the member (or one after it in the range) still belongs to their file
            String entry = current != null ? current.chunk().name()
                    : g.chunks().isEmpty() ? null : g.chunks().get(g.chunks().size() - 1).chunk().name();
            throw new InvalidLayerException(layer, entry, g.offset(), "corrupt member at " + g.offset()
                    + (current != null ? " (chunk at file offset " + current.chunk().fileOffset() + ")" : "")
                    + ": " + e.getMessage(), e);
        }
    }

    private void skip(InputStream in, long n) throws IOException {
        while (n > 0) {
            int r = in.read(buffer, 0, (int) Math.min(n, buffer.length));
            if (r < 0) {
                throw new java.io.EOFException("member ends before the expected data");
            }
            n -= r;
        }
    }

    private void verifyChunk(InputStream in, Chunk c, boolean hashFile) throws IOException {
        // the usual sha256 digest is compared as text: no parsing per chunk
        boolean sha256 = c.digest().startsWith(SHA256_PREFIX);
        MessageDigest md = sha256 ? chunkHasher : parse(c.digest(), c, "chunk").newHasher();
        md.reset();
        if (c.fileOffset() == 0) {
            fileHasher.reset();
        }
        long left = c.size();
        while (left > 0) {
            int r = in.read(buffer, 0, (int) Math.min(left, buffer.length));
            if (r < 0) {
                throw new java.io.EOFException("member ends " + left + " bytes before the end of the chunk");
            }
            md.update(buffer, 0, r);
            if (hashFile) {
                fileHasher.update(buffer, 0, r);
            }
            left -= r;
        }
        String actual = HexFormat.of().formatHex(md.digest());
        if (!(sha256 && c.digest().length() == SHA256_PREFIX.length() + actual.length()
                && c.digest().endsWith(actual))) {
            Digest expected = parse(c.digest(), c, "chunk");
            Digest got = new Digest(expected.algorithm(), actual);
            if (!got.equals(expected)) {
                throw new DigestMismatchException(layer, c.name(), c.compressedOffset(),
                        "chunk at file offset " + c.fileOffset(), expected.toString(), got.toString());
            }
        }
        chunks++;
    }

    /** The file's digest against what its chunks hashed to (its whole content, chunk after chunk). */
    private void checkFileDigest(TocEntry file) throws InvalidLayerException {
        checkDigest(file, fileHasher.digest());
    }

    private void checkDigest(TocEntry file, byte[] hash) throws InvalidLayerException {
        if (file.digest().isEmpty()) {
            return; // the writer gave none (the reference gives one to every regular file)
        }
        Digest expected = parse(file.digest(), null, file.name());
        if (!"sha256".equals(expected.algorithm())) {
            return; // chunks of other algorithms are hashed with sha256 only for files; nothing to compare
        }
        Digest actual = Digest.ofSha256(hash);
        if (!actual.equals(expected)) {
            throw new DigestMismatchException(layer, file.name(), file.offset(), "file content",
                    expected.toString(), actual.toString());
        }
    }

    private Digest parse(String text, Chunk c, String what) throws InvalidLayerException {
        try {
            return Digest.parse(text);
        } catch (IllegalArgumentException e) {
            String entry = c != null ? c.name() : what;
            throw new InvalidLayerException(layer, entry, c != null ? c.compressedOffset() : -1,
                    "unparsable " + (c != null ? "chunk " : "") + "digest \"" + text + "\"", e);
        }
    }
}
