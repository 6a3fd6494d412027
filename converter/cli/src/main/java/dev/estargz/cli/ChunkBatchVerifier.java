package dev.estargz.cli;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import dev.estargz.format.reader.Chunk;
import dev.estargz.format.reader.EStargzReader;
import dev.estargz.format.toc.EntryType;
import dev.estargz.format.toc.TocEntry;
import dev.estargz.registry.BlobSource;
import dev.estargz.registry.ByteRange;

/**
 * Verifies every chunk of a layer against its TOC with few requests: chunks in blob order, fetched in batches of a
 * few MiB through {@link BlobSource#readAll} (one ranged or multi-range request per batch on a registry, where
 * reading chunk by chunk would cost a round trip each).
 */
final class ChunkBatchVerifier {
    /** Compressed bytes fetched per batch: large enough to amortise a round trip, small enough to hold in memory. */
    static final long BATCH_BYTES = 8L << 20;

    private ChunkBatchVerifier() {
    }

    /** Reads and verifies every chunk of every regular file; returns the number of chunks checked. */
    static long verifyAll(EStargzReader reader, BlobSource source) throws IOException {
        List<Chunk> chunks = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (TocEntry e : reader.entries()) {
            if (e.type() == EntryType.REG && seen.add(e.name())) {
                chunks.addAll(reader.chunksOf(e.name()));
            }
        }
        chunks.sort(Comparator.comparingLong(Chunk::compressedOffset).thenComparingLong(Chunk::fileOffset));
        List<Chunk> batch = new ArrayList<>();
        long batchBytes = 0;
        for (Chunk c : chunks) {
            if (!batch.isEmpty() && batchBytes + c.compressedSize() > BATCH_BYTES) {
                verifyBatch(reader, source, batch);
                batch.clear();
                batchBytes = 0;
            }
            batch.add(c);
            batchBytes += c.compressedSize();
        }
        if (!batch.isEmpty()) {
            verifyBatch(reader, source, batch);
        }
        return chunks.size();
    }

    private static void verifyBatch(EStargzReader reader, BlobSource source, List<Chunk> batch) throws IOException {
        List<ByteRange> ranges = new ArrayList<>(batch.size());
        for (Chunk c : batch) {
            ranges.add(new ByteRange(c.compressedOffset(), c.compressedSize()));
        }
        List<byte[]> data = source.readAll(ranges);
        for (int i = 0; i < batch.size(); i++) {
            reader.decodeAndVerify(batch.get(i), data.get(i));
        }
    }
}
