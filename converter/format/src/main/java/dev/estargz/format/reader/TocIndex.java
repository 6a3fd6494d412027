package dev.estargz.format.reader;

import dev.estargz.format.InvalidLayerException;
import dev.estargz.format.toc.EntryName;
import dev.estargz.format.toc.EntryType;
import dev.estargz.format.toc.Toc;
import dev.estargz.format.toc.TocEntry;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The file tree and chunk table built from a stored TOC, with the reference's reading rules (names normalised,
 * owner names carried forward, chunk names and sizes filled in, implicit directories, computed link counts) and
 * the checks that keep a hostile TOC from pointing anywhere it should not.
 */
final class TocIndex {
    private static final int MAX_HARDLINK_DEPTH = 64;

    private final String layer;
    private final List<TocEntry> entries;
    private final Map<String, TocEntry> byName = new HashMap<>();
    private final Map<String, TreeMap<String, TocEntry>> children = new HashMap<>();
    private final Map<String, Integer> linkCounts = new HashMap<>();
    private final Map<String, Chunk[]> chunks = new HashMap<>();
    private final String verificationProblem;

    TocIndex(String layer, Toc toc, long tocOffset) throws InvalidLayerException {
        this.layer = layer;
        this.entries = normalise(toc.entries());
        buildTree();
        this.verificationProblem = buildChunks(tocOffset);
    }

    private InvalidLayerException bad(String entry, long offset, String message) {
        return new InvalidLayerException(layer, entry, offset, "invalid TOC: " + message, null);
    }

    private List<TocEntry> normalise(List<TocEntry> stored) throws InvalidLayerException {
        List<TocEntry> out = new ArrayList<>(stored.size());
        Map<Long, String> userNames = new HashMap<>();
        Map<Long, String> groupNames = new HashMap<>();
        TocEntry lastReg = null;
        String lastName = null;
        for (TocEntry e : stored) {
            if (e.name().indexOf('\0') >= 0) {
                throw bad(e.name(), -1, "name contains a NUL byte");
            }
            if (e.size() < 0 || e.offset() < 0 || e.innerOffset() < 0 || e.chunkOffset() < 0 || e.chunkSize() < 0) {
                throw bad(e.name(), e.offset(), "negative size, offset or chunk field");
            }
            TocEntry.Builder b = e.toBuilder().name(EntryName.clean(e.name()));
            if (e.type() == EntryType.CHUNK) {
                if (lastReg == null || !lastReg.name().equals(lastName)) {
                    throw bad(e.name(), e.offset(), "chunk entry does not follow a regular file");
                }
                b.name(lastReg.name());
                if (e.chunkSize() == 0) {
                    // A zero chunkSize means "to the end of the file".
                    b.chunkSize(lastReg.size() - e.chunkOffset());
                }
            } else {
                // The reference's reader back-fills groupName from the user-name map (a bug); we use the group map.
                if (!e.userName().isEmpty()) {
                    userNames.put(e.uid(), e.userName());
                } else {
                    b.userName(userNames.getOrDefault(e.uid(), ""));
                }
                if (!e.groupName().isEmpty()) {
                    groupNames.put(e.gid(), e.groupName());
                } else {
                    b.groupName(groupNames.getOrDefault(e.gid(), ""));
                }
                if (e.type() == EntryType.REG && e.chunkSize() == 0 && e.size() != 0) {
                    b.chunkSize(e.size());
                }
            }
            TocEntry n = b.build();
            if (n.equals(e)) {
                n = e; // most entries need no change: the stored one is kept instead of a second copy of it
            }
            if (n.type() == EntryType.REG) {
                lastReg = n;
            }
            if (n.type() != EntryType.CHUNK) {
                lastName = n.name();
            }
            out.add(n);
        }
        return Collections.unmodifiableList(out);
    }

    private void buildTree() throws InvalidLayerException {
        for (TocEntry e : entries) {
            if (e.type() != EntryType.CHUNK) {
                byName.put(e.name(), e); // a later duplicate replaces an earlier one
            }
        }
        TocEntry root = byName.get("");
        if (root != null && root.type() != EntryType.DIR) {
            throw bad(root.name(), -1, "the root entry is a " + root.type().json() + ", not a directory");
        }
        for (TocEntry e : byName.values()) {
            if (e.type() == EntryType.DIR) {
                linkCounts.put(e.name(), 1); // the parent's link to it
            }
        }
        getOrCreateDir("");
        for (TocEntry e : entries) {
            if (e.type() == EntryType.CHUNK || e.name().isEmpty() || byName.get(e.name()) != e) {
                continue; // chunks, the root itself and replaced duplicates
            }
            String parentName = EntryName.parent(e.name());
            TocEntry parent = getOrCreateDir(parentName);
            if (parent.type() != EntryType.DIR) {
                throw bad(e.name(), -1, "parent \"" + parentName + "\" is a " + parent.type().json()
                        + ", not a directory");
            }
            linkCounts.merge(e.name(), 1, Integer::sum);
            TocEntry target = e;
            if (e.type() == EntryType.HARDLINK) {
                target = resolveHardlink(e);
                linkCounts.merge(target.name(), 1, Integer::sum);
            }
            addChild(parentName, EntryName.base(e.name()), target);
        }
    }

    private TocEntry resolveHardlink(TocEntry link) throws InvalidLayerException {
        TocEntry t = link;
        for (int depth = 0; t.type() == EntryType.HARDLINK; depth++) {
            if (depth > MAX_HARDLINK_DEPTH) {
                throw bad(link.name(), -1, "hardlink chain is too long or cyclic");
            }
            TocEntry next = byName.get(EntryName.clean(t.linkName()));
            if (next == null) {
                throw bad(link.name(), -1, "hardlink target \"" + t.linkName() + "\" is not in the TOC");
            }
            t = next;
        }
        if (t.type() == EntryType.DIR) {
            throw bad(link.name(), -1, "hardlink to directory \"" + t.name() + "\"");
        }
        return t;
    }

    private TocEntry getOrCreateDir(String name) throws InvalidLayerException {
        TocEntry e = byName.get(name);
        if (e == null) {
            e = TocEntry.builder(name, EntryType.DIR).mode(0755).build();
            byName.put(name, e);
            linkCounts.put(name, 2); // "." and the parent's link
            if (!name.isEmpty()) {
                String parentName = EntryName.parent(name);
                TocEntry parent = getOrCreateDir(parentName);
                if (parent.type() != EntryType.DIR) {
                    throw bad(name, -1, "parent \"" + parentName + "\" is a " + parent.type().json()
                            + ", not a directory");
                }
                addChild(parentName, EntryName.base(name), e);
            }
        }
        return e;
    }

    private void addChild(String dir, String base, TocEntry child) {
        if (child.type() == EntryType.DIR) {
            linkCounts.merge(dir, 1, Integer::sum); // the child's ".."
        }
        children.computeIfAbsent(dir, d -> new TreeMap<>()).put(base, child);
    }

    /** Builds every file's chunk table and checks offsets; returns why chunks cannot be verified, or null. */
    private String buildChunks(long tocOffset) throws InvalidLayerException {
        int n = entries.size();
        // A chunk's member ends where the next member starts: the nearest later member start beyond its offset
        // (members start at entries with a non-zero offset and innerOffset 0), or the TOC.
        long[] ends = new long[n];
        long next = tocOffset;
        long afterNext = tocOffset;
        for (int i = n - 1; i >= 0; i--) {
            TocEntry e = entries.get(i);
            ends[i] = e.offset() < next ? next : afterNext;
            if (e.type().carriesData() && e.offset() != 0 && e.innerOffset() == 0 && e.offset() < next) {
                afterNext = next;
                next = e.offset();
            }
        }
        boolean hasChunkEntries = false;
        boolean allChunkDigests = true;
        boolean allRegDigests = true;
        Map<String, Boolean> seenOffsets = new HashMap<>();
        String duplicate = null;
        long lastOffset = 0;
        List<Chunk> current = new ArrayList<>();
        TocEntry currentReg = null;
        for (int i = 0; i < n; i++) {
            TocEntry e = entries.get(i);
            if (!e.type().carriesData()) {
                continue;
            }
            if (e.type() == EntryType.REG) {
                finishFile(currentReg, current);
                currentReg = e;
                current = new ArrayList<>();
            } else {
                hasChunkEntries = true;
            }
            if (e.type() == EntryType.REG && e.size() == 0) {
                continue;
            }
            String key = e.offset() + "/" + e.innerOffset();
            if (seenOffsets.put(key, Boolean.TRUE) != null && duplicate == null) {
                duplicate = "offset " + e.offset() + " found twice";
            }
            if (e.offset() >= tocOffset) {
                throw bad(e.name(), e.offset(), "payload offset is not before the TOC at " + tocOffset);
            }
            if (e.offset() < lastOffset) {
                throw bad(e.name(), e.offset(), "payload offsets go backwards (previous " + lastOffset + ")");
            }
            lastOffset = e.offset();
            if (e.chunkSize() <= 0 || e.chunkSize() > Integer.MAX_VALUE - 16) {
                throw bad(e.name(), e.offset(), "chunk size " + e.chunkSize() + " is out of range");
            }
            if (ends[i] <= e.offset() || ends[i] - e.offset() > Integer.MAX_VALUE - 16) {
                throw bad(e.name(), e.offset(), "compressed range [" + e.offset() + ", " + ends[i] + ") is invalid");
            }
            if (e.type() == EntryType.REG && e.digest().isEmpty()) {
                allRegDigests = false;
            }
            if (e.chunkDigest().isEmpty()) {
                allChunkDigests = false;
            }
            current.add(new Chunk(e.name(), e.chunkOffset(), (int) e.chunkSize(), e.offset(), ends[i],
                    e.innerOffset(), e.chunkDigest()));
        }
        finishFile(currentReg, current);
        if (duplicate != null) {
            return duplicate;
        }
        if (allChunkDigests) {
            return null;
        }
        if (!hasChunkEntries && allRegDigests) {
            // Only whole-file digests: each file is one chunk, so its digest verifies that chunk.
            for (Map.Entry<String, Chunk[]> f : chunks.entrySet()) {
                Chunk[] cs = f.getValue();
                if (cs.length == 1 && cs[0].digest().isEmpty()) {
                    Chunk c = cs[0];
                    String fileDigest = byName.get(f.getKey()).digest();
                    cs[0] = new Chunk(c.name(), c.fileOffset(), c.size(), c.compressedOffset(), c.compressedEnd(),
                            c.innerOffset(), fileDigest);
                }
            }
            return null;
        }
        return "some chunkDigest not found in TOC JSON";
    }

    private void finishFile(TocEntry reg, List<Chunk> fileChunks) throws InvalidLayerException {
        if (reg == null) {
            return;
        }
        long expect = 0;
        for (Chunk c : fileChunks) {
            if (c.fileOffset() != expect) {
                throw bad(reg.name(), c.compressedOffset(), "chunk at file offset " + c.fileOffset()
                        + " does not continue the previous chunk (expected " + expect + ")");
            }
            expect += c.size();
        }
        if (expect != reg.size()) {
            throw bad(reg.name(), reg.offset(), "chunk sizes add up to " + expect + ", file size is " + reg.size());
        }
        // A duplicate name (the later one wins in the tree) keeps the chunks of the entry the tree shows.
        if (byName.get(reg.name()) == reg) {
            chunks.put(reg.name(), fileChunks.toArray(new Chunk[0]));
        }
    }

    List<TocEntry> entries() {
        return entries;
    }

    /** The entry for a cleaned name as stored (hardlinks not resolved). */
    TocEntry get(String cleaned) {
        return byName.get(cleaned);
    }

    TocEntry resolve(TocEntry e) throws InvalidLayerException {
        return e.type() == EntryType.HARDLINK ? resolveHardlink(e) : e;
    }

    SortedMap<String, TocEntry> children(String cleanedDir) {
        TreeMap<String, TocEntry> c = children.get(cleanedDir);
        return c == null ? Collections.emptySortedMap() : Collections.unmodifiableSortedMap(c);
    }

    int linkCount(String cleaned) {
        return linkCounts.getOrDefault(cleaned, 0);
    }

    Chunk[] chunks(String cleanedFile) {
        return chunks.get(cleanedFile);
    }

    Iterable<Chunk[]> allChunks() {
        return chunks.values();
    }

    String verificationProblem() {
        return verificationProblem;
    }
}
