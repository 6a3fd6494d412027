package dev.estargz.format.reader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.estargz.format.InvalidLayerException;
import dev.estargz.format.toc.EntryName;
import dev.estargz.format.toc.EntryType;
import dev.estargz.format.toc.TocEntry;
import dev.estargz.registry.BlobSource;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a reader promises about every layer it opens, however hostile the blob: a tree of clean names under one
 * root, every parent a directory, hardlinks resolved to files, chunk tables that tile each file and stay before the
 * TOC, and chunk reads that give the chunk's bytes or an {@link InvalidLayerException}. For the fuzz targets.
 */
final class LayerInvariants {
    /** Reads at most this many chunks of a layer: enough to reach every chunk of a fuzzed TOC's payload. */
    private static final int MAX_CHUNK_READS = 64;
    /** Walks at most this many tree nodes: a fuzzed TOC is a few KB, so its tree is far smaller. */
    private static final int MAX_NODES = 100_000;

    private LayerInvariants() {
    }

    /** Open {@code source} and check the layer, or nothing when it is refused with an InvalidLayerException. */
    static void openAndCheck(BlobSource source) throws IOException {
        EStargzReader r;
        try {
            r = EStargzReader.open(source);
        } catch (InvalidLayerException refused) {
            assertTrue(refused.getMessage() != null && !refused.getMessage().isBlank(), "a refusal says why");
            return;
        }
        check(r, source);
    }

    static void check(EStargzReader r, BlobSource source) throws IOException {
        Map<String, TocEntry> last = new HashMap<>(); // a later entry of the same name replaces an earlier one
        for (TocEntry e : r.entries()) {
            String name = e.name();
            assertEquals(EntryName.clean(name), name, "names are clean");
            assertTrue(name.indexOf('\0') < 0, "no NUL in a name");
            if (e.type() != EntryType.CHUNK) {
                last.put(name, e);
            }
        }
        for (TocEntry e : last.values()) {
            String name = e.name();
            Optional<TocEntry> found = r.lookup(name);
            assertTrue(found.isPresent(), () -> "\"" + name + "\" is in the tree");
            if (e.type() == EntryType.HARDLINK) {
                EntryType t = found.get().type();
                assertTrue(t != EntryType.HARDLINK && t != EntryType.DIR,
                        () -> "hardlink \"" + name + "\" resolves to a file, not a " + t);
            } else {
                assertEquals(e.type(), found.get().type(), () -> "\"" + name + "\" is what the TOC says last");
            }
            if (!name.isEmpty()) {
                Optional<TocEntry> parent = r.lookup(EntryName.parent(name));
                assertTrue(parent.isPresent() && parent.get().type() == EntryType.DIR,
                        () -> "the parent of \"" + name + "\" is a directory");
            }
        }
        assertEquals(EntryType.DIR, r.lookup("").orElseThrow().type(), "the root is a directory");
        int chunkReads = 0;
        Deque<String> dirs = new ArrayDeque<>(List.of(""));
        int nodes = 0;
        while (!dirs.isEmpty()) {
            String dir = dirs.pop();
            for (var child : r.children(dir).entrySet()) {
                assertTrue(++nodes <= MAX_NODES, "the tree is no larger than the TOC makes it");
                String path = dir.isEmpty() ? child.getKey() : dir + "/" + child.getKey();
                TocEntry e = child.getValue();
                if (e.type() == EntryType.DIR) {
                    dirs.push(path);
                } else if (e.type() == EntryType.REG) {
                    chunkReads += checkChunks(r, source, path, e, MAX_CHUNK_READS - chunkReads);
                }
            }
        }
        try {
            LayerVerifier.verify(r, source);
        } catch (InvalidLayerException refused) {
            // what verify finds wrong it names; anything else thrown is a finding
        }
    }

    /** Checks the chunk table of one file and reads up to {@code reads} of its chunks; returns how many it read. */
    private static int checkChunks(EStargzReader r, BlobSource source, String path, TocEntry file, int reads)
            throws IOException {
        List<Chunk> chunks = r.chunksOf(path);
        long next = 0;
        for (Chunk c : chunks) {
            assertEquals(next, c.fileOffset(), () -> path + ": chunks tile the file");
            assertTrue(c.size() > 0, () -> path + ": a chunk has bytes");
            assertTrue(c.compressedOffset() >= 0 && c.compressedEnd() > c.compressedOffset()
                    && c.compressedEnd() <= r.tocOffset(), () -> path + ": " + c + " lies before the TOC");
            next = c.fileEnd();
        }
        assertEquals(file.size(), next, () -> path + ": chunks add up to the file's size");
        int read = 0;
        for (Chunk c : chunks) {
            if (read++ >= reads) {
                break;
            }
            try {
                assertEquals(c.size(), r.readChunk(c).length, () -> path + ": a chunk read gives the chunk");
            } catch (InvalidLayerException refused) {
                // bytes that do not match the TOC, or no digest to check them against: refused, as it must be
            }
        }
        return read;
    }
}
