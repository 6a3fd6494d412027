package dev.estargz.format.reader;

import dev.estargz.format.InvalidLayerException;
import dev.estargz.format.toc.EntryName;
import dev.estargz.format.toc.EntryType;
import dev.estargz.format.toc.Toc;
import dev.estargz.format.toc.TocEntry;
import dev.estargz.format.toc.TocJson;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The file tree and chunk table built from a stored TOC, with the reference's reading rules (names normalised,
 * owner names carried forward, chunk names and sizes filled in, implicit directories, computed link counts) and
 * the checks that keep a hostile TOC from pointing anywhere it should not.
 *
 * <p>Every pass is a loop over the entries (no recursion that a deep tree or a long hardlink chain could
 * overflow), and what is kept per entry is only the entry and its name in one map: a million-entry TOC must fit
 * in a few hundred MB. Single-chunk files get their {@link Chunk} made when asked for; directory listings are
 * built on first use, which {@code verify} never makes.
 */
final class TocIndex {
    /** Linux's PATH_MAX: no path longer than this can be looked up, so no layer needs one. */
    static final int MAX_NAME_BYTES = 4096;
    /** Linux's NAME_MAX: no file system holds a longer name component. */
    static final int MAX_COMPONENT_BYTES = 255;
    /**
     * Bytes of names of directories the TOC does not list but its paths imply, beyond the bytes of names it does
     * list: each is a prefix of a listed name, so a TOC of deep distinct paths would imply quadratically many.
     */
    private static final long IMPLICIT_NAME_ALLOWANCE = 16L << 20;

    private final String layer;
    private final List<TocEntry> entries;
    private final long dataEnd;
    private final Map<String, TocEntry> byName;
    /** Link counts other than 1: every directory and every target of hardlinks. */
    private final Map<String, Integer> linkCounts = new HashMap<>();
    /** What each hardlink resolves to (never a hardlink). */
    private final Map<String, TocEntry> hardlinkTargets = new HashMap<>();
    /** Chunks of files of more than one chunk (shown in the tree); single-chunk files are made on demand. */
    private final Map<String, Chunk[]> multiChunks = new HashMap<>();
    /** Sorted offsets where members holding payload start: a chunk's member ends where the next one starts. */
    private long[] memberStarts;
    private boolean regDigestsOnly;
    private long implicitNameBudget;
    private final String verificationProblem;
    private volatile Map<String, TreeMap<String, TocEntry>> children;

    /**
     * Parses TOC JSON from {@code json} (to its end) and indexes it; entries are normalised as they are parsed,
     * so the stored form of an entry is garbage as soon as the next one is read.
     *
     * @param dataEnd where the members holding payload end (the TOC's member): no chunk reaches past it
     */
    static TocIndex read(String layer, InputStream json, long dataEnd) throws IOException {
        Normaliser n = new Normaliser(layer);
        int version = TocJson.parse(json, n);
        return new TocIndex(layer, version, n, dataEnd);
    }

    private TocIndex(String layer, int version, Normaliser normalised, long dataEnd) throws InvalidLayerException {
        this.layer = layer;
        if (version != Toc.VERSION) {
            throw bad(null, -1, "TOC version " + version + " is not " + Toc.VERSION);
        }
        this.dataEnd = dataEnd;
        this.entries = Collections.unmodifiableList(normalised.out);
        this.implicitNameBudget = IMPLICIT_NAME_ALLOWANCE + normalised.listedNameBytes;
        this.byName = new HashMap<>(Math.max(16, entries.size() * 4 / 3 + 1));
        buildTree();
        this.verificationProblem = buildChunks();
    }

    private InvalidLayerException bad(String entry, long offset, String message) {
        return bad(layer, entry, offset, message);
    }

    private static InvalidLayerException bad(String layer, String entry, long offset, String message) {
        return new InvalidLayerException(layer, entry, offset, "invalid TOC: " + message, null);
    }

    /**
     * The reference's reading rules, one entry at a time: names cleaned, owner names carried forward, chunk
     * entries named after their file and their zero {@code chunkSize} filled in. A regular file's zero
     * {@code chunkSize} stays as stored ("the whole file"): filling it in would copy nearly every entry.
     */
    private static final class Normaliser implements TocJson.EntrySink {
        private final String layer;
        private final ArrayList<TocEntry> out = new ArrayList<>();
        private final Map<Long, String> userNames = new HashMap<>();
        private final Map<Long, String> groupNames = new HashMap<>();
        private TocEntry lastReg;
        private String lastName;
        private long listedNameBytes;

        Normaliser(String layer) {
            this.layer = layer;
        }

        @Override
        public void restart() {
            out.clear();
            userNames.clear();
            groupNames.clear();
            lastReg = null;
            lastName = null;
            listedNameBytes = 0;
        }

        @Override
        public void entry(TocEntry e) throws InvalidLayerException {
            if (e.name().indexOf('\0') >= 0) {
                throw bad(layer, e.name(), -1, "name contains a NUL byte");
            }
            if (e.size() < 0 || e.offset() < 0 || e.innerOffset() < 0 || e.chunkOffset() < 0 || e.chunkSize() < 0) {
                throw bad(layer, e.name(), e.offset(), "negative size, offset or chunk field");
            }
            TocEntry.Builder b = e.toBuilder().name(EntryName.clean(e.name()));
            if (e.type() == EntryType.CHUNK) {
                if (lastReg == null || !lastReg.name().equals(lastName)) {
                    throw bad(layer, e.name(), e.offset(), "chunk entry does not follow a regular file");
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
            }
            TocEntry n = b.build();
            if (n.equals(e)) {
                n = e; // most entries need no change: the stored one is kept instead of a second copy of it
            }
            if (n.type() != EntryType.CHUNK) {
                listedNameBytes += checkNameLength(layer, n.name());
                lastName = n.name();
            }
            if (n.type() == EntryType.REG) {
                lastReg = n;
            }
            out.add(n);
        }
    }

    /** The bytes of a chunk: a regular file's zero {@code chunkSize} means the whole file. */
    static long chunkLength(TocEntry e) {
        return e.type() == EntryType.REG && e.chunkSize() == 0 ? e.size() : e.chunkSize();
    }

    /** Refuses names no file system can hold; returns the name's length in UTF-8 bytes. */
    private static long checkNameLength(String layer, String cleaned) throws InvalidLayerException {
        int total = 0;
        int component = 0;
        for (int i = 0; i < cleaned.length(); i++) {
            char c = cleaned.charAt(i);
            if (c == '/') {
                component = 0;
                total++;
                continue;
            }
            // UTF-8 length: a surrogate pair is 4 bytes, 2 for each half
            int n = c < 0x80 ? 1 : c < 0x800 || Character.isSurrogate(c) ? 2 : 3;
            component += n;
            total += n;
            if (component > MAX_COMPONENT_BYTES) {
                throw bad(layer, abbreviated(cleaned), -1, "a name component is longer than " + MAX_COMPONENT_BYTES
                        + " bytes");
            }
            if (total > MAX_NAME_BYTES) {
                throw bad(layer, abbreviated(cleaned), -1, "name is longer than " + MAX_NAME_BYTES + " bytes");
            }
        }
        return total;
    }

    private static String abbreviated(String name) {
        return name.length() <= 120 ? name : name.substring(0, 100) + "...(" + name.length() + " characters)";
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
        List<TocEntry> links = new ArrayList<>();
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
            if (e.type() == EntryType.DIR) {
                linkCounts.merge(e.name(), 1, Integer::sum); // its own "."
                linkCounts.merge(parentName, 1, Integer::sum); // its ".."
            } else if (e.type() == EntryType.HARDLINK) {
                links.add(e);
            }
        }
        // After the tree is complete, so that a link's target is found whatever the order of the entries.
        for (TocEntry link : links) {
            TocEntry target = resolveHardlink(link);
            linkCounts.merge(target.name(), 2, (had, one) -> had + 1); // its own name, then one per link
        }
    }

    /**
     * What a hardlink names, following links to links (each link is followed once however many links lead to
     * it); refuses cycles, links to nothing and links to directories.
     */
    private TocEntry resolveHardlink(TocEntry link) throws InvalidLayerException {
        TocEntry known = hardlinkTargets.get(link.name());
        if (known != null) {
            return known;
        }
        List<String> path = new ArrayList<>();
        Set<String> onPath = new HashSet<>();
        TocEntry t = link;
        while (t.type() == EntryType.HARDLINK) {
            TocEntry resolved = hardlinkTargets.get(t.name());
            if (resolved != null) {
                t = resolved;
                break;
            }
            if (!onPath.add(t.name())) {
                throw bad(link.name(), -1, "hardlink chain through \"" + t.name() + "\" is a cycle");
            }
            path.add(t.name());
            TocEntry next = byName.get(EntryName.clean(t.linkName()));
            if (next == null) {
                throw bad(link.name(), -1, "hardlink target \"" + t.linkName() + "\" is not in the TOC");
            }
            t = next;
        }
        if (t.type() == EntryType.DIR) {
            throw bad(link.name(), -1, "hardlink to directory \"" + t.name() + "\"");
        }
        for (String name : path) {
            hardlinkTargets.put(name, t);
        }
        return t;
    }

    /** The directory of a cleaned name, made (with any missing parents, top down) when the TOC does not list it. */
    private TocEntry getOrCreateDir(String name) throws InvalidLayerException {
        TocEntry e = byName.get(name);
        if (e != null) {
            return e;
        }
        List<String> missing = new ArrayList<>();
        for (String n = name; ; n = EntryName.parent(n)) {
            missing.add(n);
            if (n.isEmpty() || byName.containsKey(EntryName.parent(n))) {
                break;
            }
        }
        for (int i = missing.size() - 1; i >= 0; i--) {
            String n = missing.get(i);
            implicitNameBudget -= n.length();
            if (implicitNameBudget < 0) {
                throw bad(abbreviated(n), -1, "the TOC's paths imply more unlisted directories than it lists "
                        + "names (their names add up to more than " + IMPLICIT_NAME_ALLOWANCE + " bytes beyond)");
            }
            e = TocEntry.builder(n, EntryType.DIR).mode(0755).build();
            if (!n.isEmpty()) {
                String parentName = EntryName.parent(n);
                TocEntry parent = byName.get(parentName);
                if (parent.type() != EntryType.DIR) {
                    throw bad(n, -1, "parent \"" + parentName + "\" is a " + parent.type().json()
                            + ", not a directory");
                }
                linkCounts.merge(parentName, 1, Integer::sum); // the new directory's ".."
            }
            byName.put(n, e);
            linkCounts.put(n, 2); // "." and the parent's link
        }
        return e;
    }

    /** Checks offsets and chunk tables; returns why chunks cannot be verified, or null. */
    private String buildChunks() throws InvalidLayerException {
        int n = entries.size();
        long[] starts = new long[16];
        int startCount = 0;
        boolean hasChunkEntries = false;
        boolean allChunkDigests = true;
        boolean allRegDigests = true;
        String duplicate = null;
        long lastOffset = 0;
        Set<Long> innerOffsetsAtLast = new HashSet<>();
        TocEntry currentReg = null;
        long expect = 0;
        for (int i = 0; i < n; i++) {
            TocEntry e = entries.get(i);
            if (!e.type().carriesData()) {
                continue;
            }
            if (e.type() == EntryType.REG) {
                finishFile(currentReg, expect);
                currentReg = e;
                expect = 0;
            } else {
                hasChunkEntries = true;
            }
            if (e.type() == EntryType.REG && e.size() == 0) {
                continue;
            }
            if (e.offset() >= dataEnd) {
                throw bad(e.name(), e.offset(), "payload offset is not before the TOC at " + dataEnd);
            }
            if (e.offset() < lastOffset) {
                throw bad(e.name(), e.offset(), "payload offsets go backwards (previous " + lastOffset + ")");
            }
            // offsets never go back, so a repeated (offset, innerOffset) is among those at the latest offset
            if (e.offset() != lastOffset) {
                innerOffsetsAtLast.clear();
            }
            if (!innerOffsetsAtLast.add(e.innerOffset()) && duplicate == null) {
                duplicate = "offset " + e.offset() + " found twice";
            }
            lastOffset = e.offset();
            if (e.offset() != 0 && e.innerOffset() == 0 && (startCount == 0 || starts[startCount - 1] != e.offset())) {
                if (startCount == starts.length) {
                    starts = Arrays.copyOf(starts, startCount * 2);
                }
                starts[startCount++] = e.offset();
            }
            long length = chunkLength(e);
            if (length <= 0 || length > Integer.MAX_VALUE - 16) {
                throw bad(e.name(), e.offset(), "chunk size " + length + " is out of range");
            }
            if (e.chunkOffset() != expect) {
                throw bad(currentReg.name(), e.offset(), "chunk at file offset " + e.chunkOffset()
                        + " does not continue the previous chunk (expected " + expect + ")");
            }
            expect += length;
            if (e.type() == EntryType.REG && e.digest().isEmpty()) {
                allRegDigests = false;
            }
            if (e.chunkDigest().isEmpty()) {
                allChunkDigests = false;
            }
        }
        finishFile(currentReg, expect);
        memberStarts = Arrays.copyOf(starts, startCount);
        // Only whole-file digests: each file is one chunk, so its digest verifies that chunk.
        regDigestsOnly = !allChunkDigests && !hasChunkEntries && allRegDigests;
        for (int i = 0; i < n; i++) {
            TocEntry e = entries.get(i);
            if (!e.type().carriesData() || e.size() == 0 && e.type() == EntryType.REG) {
                continue;
            }
            long end = memberEnd(e.offset());
            if (end <= e.offset() || end - e.offset() > Integer.MAX_VALUE - 16) {
                throw bad(e.name(), e.offset(), "compressed range [" + e.offset() + ", " + end + ") is invalid");
            }
            if (e.type() == EntryType.REG && chunkLength(e) < e.size() && byName.get(e.name()) == e) {
                multiChunks.put(e.name(), fileChunks(i).toArray(new Chunk[0]));
            }
        }
        if (duplicate != null) {
            return duplicate;
        }
        if (allChunkDigests || regDigestsOnly) {
            return null;
        }
        return "some chunkDigest not found in TOC JSON";
    }

    private void finishFile(TocEntry reg, long chunked) throws InvalidLayerException {
        if (reg != null && chunked != reg.size()) {
            throw bad(reg.name(), reg.offset(), "chunk sizes add up to " + chunked + ", file size is " + reg.size());
        }
    }

    /** Where the member holding payload at {@code offset} ends: where the next one starts, or the TOC. */
    private long memberEnd(long offset) {
        int i = Arrays.binarySearch(memberStarts, offset);
        int next = i >= 0 ? i + 1 : -i - 1;
        return next < memberStarts.length ? memberStarts[next] : dataEnd;
    }

    private Chunk chunk(TocEntry e, String file) {
        String digest = e.chunkDigest().isEmpty() && regDigestsOnly ? e.digest() : e.chunkDigest();
        return new Chunk(file, e.chunkOffset(), (int) chunkLength(e), e.offset(), memberEnd(e.offset()),
                e.innerOffset(), digest);
    }

    /** The chunks of the regular file at {@code entries().get(regIndex)}, in file order (empty for an empty file). */
    List<Chunk> fileChunks(int regIndex) {
        TocEntry reg = entries.get(regIndex);
        if (reg.size() == 0) {
            return List.of();
        }
        List<Chunk> out = new ArrayList<>(1);
        out.add(chunk(reg, reg.name()));
        for (int i = regIndex + 1; i < entries.size() && entries.get(i).type() == EntryType.CHUNK; i++) {
            out.add(chunk(entries.get(i), reg.name()));
        }
        return out;
    }

    List<TocEntry> entries() {
        return entries;
    }

    /** Where the members holding payload end. */
    long dataEnd() {
        return dataEnd;
    }

    /** The entry for a cleaned name as stored (hardlinks not resolved). */
    TocEntry get(String cleaned) {
        return byName.get(cleaned);
    }

    /** A hardlink's target (resolved when the index was built), anything else itself. */
    TocEntry resolve(TocEntry e) {
        return e.type() == EntryType.HARDLINK ? hardlinkTargets.get(e.name()) : e;
    }

    SortedMap<String, TocEntry> children(String cleanedDir) {
        TreeMap<String, TocEntry> c = tree().get(cleanedDir);
        return c == null ? Collections.emptySortedMap() : Collections.unmodifiableSortedMap(c);
    }

    private Map<String, TreeMap<String, TocEntry>> tree() {
        Map<String, TreeMap<String, TocEntry>> t = children;
        if (t == null) {
            synchronized (this) {
                t = children;
                if (t == null) {
                    t = new HashMap<>();
                    for (TocEntry e : byName.values()) {
                        if (!e.name().isEmpty()) {
                            t.computeIfAbsent(EntryName.parent(e.name()), d -> new TreeMap<>())
                                    .put(EntryName.base(e.name()), resolve(e));
                        }
                    }
                    children = t;
                }
            }
        }
        return t;
    }

    int linkCount(String cleaned) {
        Integer n = linkCounts.get(cleaned);
        return n != null ? n : byName.containsKey(cleaned) ? 1 : 0;
    }

    /** The chunks of the regular file the tree shows at a cleaned name, or null. */
    Chunk[] chunks(String cleanedFile) {
        Chunk[] multi = multiChunks.get(cleanedFile);
        if (multi != null) {
            return multi;
        }
        TocEntry e = byName.get(cleanedFile);
        if (e == null || e.type() != EntryType.REG || e.size() == 0) {
            return null;
        }
        return new Chunk[] {chunk(e, e.name())};
    }

    String verificationProblem() {
        return verificationProblem;
    }
}
