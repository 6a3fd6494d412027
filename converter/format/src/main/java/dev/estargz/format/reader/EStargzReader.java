package dev.estargz.format.reader;

import dev.estargz.format.DigestMismatchException;
import dev.estargz.format.InvalidLayerException;
import dev.estargz.format.UnsupportedLayerFormatException;
import dev.estargz.format.codec.GzipCodec;
import dev.estargz.format.codec.MemberCodec;
import dev.estargz.format.codec.ZstdChunkedCodec;
import dev.estargz.format.footer.Footer;
import dev.estargz.format.footer.FooterException;
import dev.estargz.format.footer.Footers;
import dev.estargz.format.toc.EntryName;
import dev.estargz.format.toc.EntryType;
import dev.estargz.format.toc.Toc;
import dev.estargz.format.toc.TocEntry;
import dev.estargz.format.toc.TocFormatException;
import dev.estargz.format.toc.TocJson;
import dev.estargz.registry.BlobSource;
import dev.estargz.registry.ByteRange;
import dev.estargz.registry.Digest;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;

/**
 * Random access to an eStargz (or legacy stargz, or zstd:chunked) layer through a {@link BlobSource}: the TOC,
 * the file tree, and chunks read and verified against their digests. Thread-safe once opened; it does not own the source.
 */
public final class EStargzReader {
    /** Name of the landmark that ends the prioritised region. */
    public static final String PREFETCH_LANDMARK = ".prefetch.landmark";
    /** Name of the landmark that says nothing is prioritised. */
    public static final String NO_PREFETCH_LANDMARK = ".no.prefetch.landmark";

    private final BlobSource source;
    private final String layer;
    private final MemberCodec codec;
    private final Footer footer;
    private final long blobSize;
    private final long tocOffset;
    private final TocLocation toc;
    private final Digest tocDigest;
    private final TocIndex index;

    private EStargzReader(BlobSource source, String layer, MemberCodec codec, Footer footer, long blobSize,
            long tocOffset, TocLocation toc, Digest tocDigest, TocIndex index) {
        this.source = source;
        this.layer = layer;
        this.codec = codec;
        this.footer = footer;
        this.blobSize = blobSize;
        this.tocOffset = tocOffset;
        this.toc = toc;
        this.tocDigest = tocDigest;
        this.index = index;
    }

    /**
     * Opens a layer: one read of the blob's tail (footer plus {@link ReaderOptions#tailSize()}), and a second
     * read, of the part of the TOC before that tail, only when the TOC starts earlier.
     *
     * @throws UnsupportedLayerFormatException for external-TOC layers (both zstd:chunked variants are read)
     * @throws InvalidLayerException           for anything that is not a well-formed eStargz layer
     */
    public static EStargzReader open(BlobSource source, ReaderOptions options) throws IOException {
        String layer = options.layerName() != null ? options.layerName() : source.toString();
        long size = source.size();
        int tailLen = (int) Math.min(size, (long) options.tailSize() + Footers.MAX_SIZE);
        byte[] tail = source.read(new ByteRange(size - tailLen, tailLen));
        Footer footer;
        try {
            footer = Footers.parse(tail);
        } catch (FooterException e) {
            throw new InvalidLayerException(layer, null, -1, "not an eStargz layer: " + e.getMessage(), e);
        }
        long tocOffset;
        long zstdTocLength = -1; // zstd:chunked footers give the compressed TOC's length
        if (footer instanceof Footer.EStargz f) {
            tocOffset = f.tocOffset();
        } else if (footer instanceof Footer.LegacyStargz f) {
            tocOffset = f.tocOffset();
        } else if (footer instanceof Footer.StargzZstdChunked f) {
            tocOffset = f.tocOffset();
            zstdTocLength = f.tocCompressedSize();
        } else if (footer instanceof Footer.ContainersZstdChunked f) {
            tocOffset = f.tocOffset();
            zstdTocLength = f.tocCompressedSize();
        } else {
            throw new UnsupportedLayerFormatException(layer, "estargz-external-toc",
                    "eStargz with an external TOC is not supported yet");
        }
        long tocEnd = size - footer.size();
        if (tocOffset < 0 || tocOffset >= tocEnd) {
            throw new InvalidLayerException(layer, null, tocOffset, "footer points outside the blob: TOC offset "
                    + tocOffset + " is not within [0, " + tocEnd + ")", null);
        }
        if (zstdTocLength > tocEnd - tocOffset || zstdTocLength == 0 || zstdTocLength < -1) {
            throw new InvalidLayerException(layer, null, tocOffset, "footer gives a compressed TOC of "
                    + zstdTocLength + " bytes at " + tocOffset + ", which does not fit before the footer", null);
        }
        long regionLen = zstdTocLength > 0 ? zstdTocLength : tocEnd - tocOffset;
        if (regionLen > options.maxTocSize() + 1024 * 1024) {
            throw new InvalidLayerException(layer, null, tocOffset, "compressed TOC is " + regionLen
                    + " bytes, more than the limit of " + options.maxTocSize(), null);
        }
        byte[] region;
        long tailStart = size - tailLen;
        if (tocOffset >= tailStart) {
            int from = (int) (tocOffset - tailStart);
            region = Arrays.copyOfRange(tail, from, from + (int) regionLen);
        } else if (tocOffset + regionLen <= tailStart) {
            region = source.read(new ByteRange(tocOffset, regionLen));
        } else {
            // only what the tail lacks: from the TOC's start to where the tail begins
            int fromTail = (int) (tocOffset + regionLen - tailStart);
            byte[] head = source.read(new ByteRange(tocOffset, tailStart - tocOffset));
            region = Arrays.copyOf(head, head.length + fromTail);
            System.arraycopy(tail, 0, region, head.length, fromTail);
        }
        MemberCodec codec = zstdTocLength > 0 ? new ZstdChunkedCodec() : new GzipCodec();
        // zstd:chunked footers point after the TOC's skippable-frame header: payload ends before that header
        long dataEnd = codec instanceof ZstdChunkedCodec ? Math.max(0, tocOffset - 8) : tocOffset;
        // The JSON is hashed, parsed and indexed as it is inflated, never held whole (a few hundred MB for 1M
        // entries), nor are the entries as stored.
        MessageDigest sha256 = Digest.newSha256();
        TocIndex index;
        long jsonSize;
        try (InputStream raw = codec.openTocJson(region, options.maxTocSize());
                CountingDigestStream json = new CountingDigestStream(raw, sha256)) {
            region = null; // the stream holds it; garbage once the TOC is read
            tail = null;
            index = TocIndex.read(layer, json, dataEnd);
            jsonSize = json.count();
        } catch (InvalidLayerException e) {
            throw e;
        } catch (TocFormatException e) {
            throw new InvalidLayerException(layer, null, tocOffset, e.getMessage(), e);
        } catch (IOException e) {
            throw new InvalidLayerException(layer, null, tocOffset, "cannot read the TOC: " + e.getMessage(), e);
        }
        long footerTocSize = footer instanceof Footer.StargzZstdChunked f ? f.tocSize()
                : footer instanceof Footer.ContainersZstdChunked f ? f.tocSize() : -1;
        if (footerTocSize >= 0 && footerTocSize != jsonSize) {
            throw new InvalidLayerException(layer, null, tocOffset, "footer says the TOC JSON is " + footerTocSize
                    + " bytes, it is " + jsonSize, null);
        }
        Digest tocDigest = Digest.ofSha256(sha256.digest());
        TocLocation toc = new TocLocation(tocOffset, regionLen, options.maxTocSize());
        return new EStargzReader(source, layer, codec, footer, size, tocOffset, toc, tocDigest, index);
    }

    /** Opens with {@link ReaderOptions#defaults()}. */
    public static EStargzReader open(BlobSource source) throws IOException {
        return open(source, ReaderOptions.defaults());
    }

    /** The footer found at the end of the blob. */
    public Footer footer() {
        return footer;
    }

    /** The blob's size. */
    public long blobSize() {
        return blobSize;
    }

    /** Where the TOC member starts. */
    public long tocOffset() {
        return tocOffset;
    }

    /** Where the TOC's compressed bytes are, to read it again as stored. */
    private record TocLocation(long offset, long length, long maxJsonSize) {
    }

    /**
     * The TOC exactly as stored (names and fields not normalised), read again from the blob: the reader keeps
     * only the normalised {@link #entries()}, so call this rarely.
     *
     * @throws java.io.UncheckedIOException when the blob cannot be read again
     */
    public Toc toc() {
        try (InputStream in = codec.openTocJson(source.read(new ByteRange(toc.offset(), toc.length())),
                toc.maxJsonSize())) {
            return TocJson.parse(in);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot read the TOC of " + layer + " again", e);
        }
    }

    /** sha256 of the TOC JSON bytes as stored. */
    public Digest tocDigest() {
        return tocDigest;
    }

    /** The codec of the layer's members. */
    public MemberCodec codec() {
        return codec;
    }

    /**
     * The TOC entries as the reader sees them, in blob order: names normalised, owner names carried forward,
     * chunk names and sizes filled in.
     */
    public List<TocEntry> entries() {
        return index.entries();
    }

    /**
     * The entry at a path (absolute or relative to the root; {@code ""} is the root), hardlinks resolved to their
     * target; implicit directories are included.
     */
    public Optional<TocEntry> lookup(String name) {
        TocEntry e = index.get(EntryName.clean(name));
        return e == null ? Optional.empty() : Optional.of(index.resolve(e));
    }

    /** The children of a directory by base name (hardlinks resolved), empty for non-directories. */
    public SortedMap<String, TocEntry> children(String dir) {
        return index.children(EntryName.clean(dir));
    }

    /** The number of names for an entry (directories: 2 + subdirectories, as the reference computes). */
    public int linkCount(String name) {
        Optional<TocEntry> e = lookup(name);
        return e.map(t -> index.linkCount(t.name())).orElse(0);
    }

    /** The chunks of a regular file in file order; empty for empty files and for anything else. */
    public List<Chunk> chunksOf(String file) {
        Optional<TocEntry> e = lookup(file);
        if (e.isEmpty() || e.get().type() != EntryType.REG) {
            return List.of();
        }
        Chunk[] cs = index.chunks(e.get().name());
        return cs == null ? List.of() : List.of(cs);
    }

    /** The chunk holding byte {@code offset} of a regular file, if the file has that byte. */
    public Optional<Chunk> chunkAt(String file, long offset) {
        Optional<TocEntry> e = lookup(file);
        if (e.isEmpty() || e.get().type() != EntryType.REG || offset < 0) {
            return Optional.empty();
        }
        Chunk[] cs = index.chunks(e.get().name());
        if (cs == null) {
            return Optional.empty();
        }
        int lo = 0;
        int hi = cs.length - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            Chunk c = cs[mid];
            if (offset < c.fileOffset()) {
                hi = mid - 1;
            } else if (offset >= c.fileEnd()) {
                lo = mid + 1;
            } else {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }

    /**
     * Fetches, decompresses and verifies one chunk.
     *
     * @return exactly {@code chunk.size()} bytes whose sha256 is {@code chunk.digest()}
     * @throws DigestMismatchException when the bytes do not match the TOC
     * @throws InvalidLayerException   when the TOC gives no usable digest or the member is corrupt
     */
    public byte[] readChunk(Chunk chunk) throws IOException {
        String problem = index.verificationProblem();
        if (problem != null) {
            throw new InvalidLayerException(layer, chunk.name(), chunk.compressedOffset(),
                    "cannot verify chunks: " + problem, null);
        }
        if (chunk.digest().isEmpty()) {
            throw new InvalidLayerException(layer, chunk.name(), chunk.compressedOffset(),
                    "chunk has no digest to verify against", null);
        }
        byte[] compressed = source.read(new ByteRange(chunk.compressedOffset(), chunk.compressedSize()));
        return decodeAndVerify(chunk, compressed);
    }

    /**
     * Decompresses and verifies a chunk from compressed bytes the caller already fetched (for batched or cached
     * range reads); {@code compressed} must start at {@code chunk.compressedOffset()}.
     */
    public byte[] decodeAndVerify(Chunk chunk, byte[] compressed) throws IOException {
        byte[] data;
        try {
            data = codec.readMember(compressed, chunk.innerOffset(), chunk.size());
        } catch (IOException e) {
            throw new InvalidLayerException(layer, chunk.name(), chunk.compressedOffset(),
                    "cannot decompress chunk at file offset " + chunk.fileOffset() + ": " + e.getMessage(), e);
        }
        Digest expected;
        try {
            expected = Digest.parse(chunk.digest());
        } catch (IllegalArgumentException e) {
            throw new InvalidLayerException(layer, chunk.name(), chunk.compressedOffset(),
                    "unparsable chunk digest \"" + chunk.digest() + "\"", e);
        }
        MessageDigest md = expected.newHasher();
        Digest actual = new Digest(expected.algorithm(), java.util.HexFormat.of().formatHex(md.digest(data)));
        if (!actual.equals(expected)) {
            throw new DigestMismatchException(layer, chunk.name(), chunk.compressedOffset(),
                    "chunk at file offset " + chunk.fileOffset(), expected.toString(), actual.toString());
        }
        return data;
    }

    /**
     * Checks the TOC against the digest the manifest promised, and that every chunk has a digest (the
     * reference's {@code VerifyTOC}).
     */
    public void verifyToc(Digest expected) throws InvalidLayerException {
        if (!tocDigest.equals(expected)) {
            throw new DigestMismatchException(layer, null, tocOffset, "TOC", expected.toString(),
                    tocDigest.toString());
        }
        String problem = index.verificationProblem();
        if (problem != null) {
            throw new InvalidLayerException(layer, null, tocOffset, "invalid TOC: " + problem, null);
        }
    }

    /**
     * Reads the whole layer and checks every member, chunk and file against the TOC ({@link LayerVerifier});
     * returns the number of chunks checked.
     */
    public long verifyAllChunks() throws IOException {
        return LayerVerifier.verify(this, source).chunks();
    }

    TocIndex index() {
        return index;
    }

    String layerName() {
        return layer;
    }

    /**
     * Where prefetching should stop: the offset of {@code .prefetch.landmark}; 0 when the layer says nothing is
     * prioritised ({@code .no.prefetch.landmark}); empty when it has neither landmark.
     */
    public Optional<Long> prefetchSize() {
        TocEntry landmark = index.get(PREFETCH_LANDMARK);
        if (landmark != null && landmark.type() == EntryType.REG) {
            return Optional.of(landmark.offset());
        }
        if (index.get(NO_PREFETCH_LANDMARK) != null) {
            return Optional.of(0L);
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return "EStargzReader[" + layer + ", " + footer.kind() + ", " + index.entries().size() + " entries]";
    }

    /** Hashes and counts the bytes read through it. */
    private static final class CountingDigestStream extends FilterInputStream {
        private final MessageDigest md;
        private long count;

        CountingDigestStream(InputStream in, MessageDigest md) {
            super(in);
            this.md = md;
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) {
                md.update((byte) b);
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n > 0) {
                md.update(b, off, n);
                count += n;
            }
            return n;
        }

        long count() {
            return count;
        }
    }
}
