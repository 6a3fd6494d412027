package dev.estargz.fusefs.index;

import dev.estargz.format.InvalidLayerException;
import dev.estargz.format.reader.Chunk;
import dev.estargz.format.reader.EStargzReader;
import dev.estargz.format.toc.EntryType;
import dev.estargz.format.toc.TocEntry;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/** Walks a reader's tree once, breadth first, and fills the arrays of a {@link LayerIndex}. */
final class LayerIndexBuilder {
    private static final String WHITEOUT_PREFIX = ".wh.";
    private static final String OPAQUE_MARKER = ".wh..wh..opq";
    private static final byte[] OPAQUE_VALUE = {'y'};

    final Growable.Ints mode;
    final Growable.Ints owner;
    final Growable.Longs owners;
    final Growable.Longs mtime;
    final Growable.Longs size;
    final Growable.Ints nlink;
    final Growable.Ints aux;
    final Growable.Ints xattrNodes;
    final Growable.Ints xattrAt;
    final Growable.Bytes extras;
    final Growable.Ints direntName;
    final Growable.Ints direntNode;
    final Growable.Bytes names;
    final Growable.Longs chunkOffset;
    final Growable.Ints chunkLength;
    final Growable.Ints chunkSize;
    final Growable.Bytes chunkDigests;
    final Growable.Ints innerChunks;
    final Growable.Longs innerOffsets;
    int tocEntries;

    private final EStargzReader reader;
    private final OverlayOpaque opaque;
    private final String layer;
    private final Map<Long, Integer> ownerIds = new HashMap<>();
    private final Map<String, Integer> nodeOfName = new HashMap<>();
    private final TreeMap<Integer, SortedMap<String, byte[]>> xattrsOfNode = new TreeMap<>();
    private final List<FileChunks> files = new ArrayList<>();

    private record FileChunks(int node, List<Chunk> chunks) {
    }

    private record Dirent(byte[] name, int node) {
    }

    LayerIndexBuilder(EStargzReader reader, OverlayOpaque opaque) {
        this.reader = reader;
        this.opaque = opaque;
        this.layer = reader.toString();
        // sizes guessed from the entry count: nodes and dirents about one per entry, a chunk per file
        int n = reader.entries().size();
        this.mode = new Growable.Ints(n);
        this.owner = new Growable.Ints(n);
        this.owners = new Growable.Longs(16);
        this.mtime = new Growable.Longs(n);
        this.size = new Growable.Longs(n);
        this.nlink = new Growable.Ints(n);
        this.aux = new Growable.Ints(n);
        this.xattrNodes = new Growable.Ints(16);
        this.xattrAt = new Growable.Ints(16);
        this.extras = new Growable.Bytes(n * 4);
        this.direntName = new Growable.Ints(n + 1);
        this.direntNode = new Growable.Ints(n);
        this.names = new Growable.Bytes(n * 16);
        this.chunkOffset = new Growable.Longs(n);
        this.chunkLength = new Growable.Ints(n);
        this.chunkSize = new Growable.Ints(n);
        this.chunkDigests = new Growable.Bytes(n * 32);
        this.innerChunks = new Growable.Ints(16);
        this.innerOffsets = new Growable.Longs(16);
    }

    LayerIndex build() throws InvalidLayerException {
        tocEntries = reader.entries().size();
        TocEntry root = reader.lookup("").orElseThrow();
        int rootNode = addNode(root);
        Deque<Integer> dirs = new ArrayDeque<>();
        Deque<String> dirNames = new ArrayDeque<>();
        dirs.add(rootNode);
        dirNames.add("");
        while (!dirs.isEmpty()) {
            addDirectory(dirs.poll(), dirNames.poll(), dirs, dirNames);
        }
        direntName.add(names.size()); // sentinel: the end of the last name
        writeXattrs();
        writeChunks();
        return new LayerIndex(this);
    }

    private void addDirectory(int dir, String dirName, Deque<Integer> dirs, Deque<String> dirNames)
            throws InvalidLayerException {
        SortedMap<String, TocEntry> children = reader.children(dirName);
        List<Dirent> out = new ArrayList<>(children.size());
        for (Map.Entry<String, TocEntry> c : children.entrySet()) {
            String base = c.getKey();
            TocEntry e = c.getValue();
            if (dirName.isEmpty() && (base.equals(EStargzReader.PREFETCH_LANDMARK)
                    || base.equals(EStargzReader.NO_PREFETCH_LANDMARK))) {
                continue;
            }
            if (base.equals(OPAQUE_MARKER)) {
                SortedMap<String, byte[]> x = xattrsOfNode.computeIfAbsent(dir, d -> new TreeMap<>());
                for (String name : opaque.xattrNames()) {
                    x.put(name, OPAQUE_VALUE);
                }
                continue;
            }
            if (base.startsWith(WHITEOUT_PREFIX)) {
                String hidden = base.substring(WHITEOUT_PREFIX.length());
                // A real entry of the same name in this layer wins over the whiteout, as in the reference.
                if (!hidden.isEmpty() && !children.containsKey(hidden)) {
                    out.add(new Dirent(utf8(hidden), addWhiteout(e)));
                }
                continue;
            }
            Integer known = nodeOfName.get(e.name());
            int node = known != null ? known : addNode(e);
            if (known == null && e.type() == EntryType.DIR) {
                dirs.add(node);
                dirNames.add(e.name());
            }
            out.add(new Dirent(utf8(base), node));
        }
        out.sort((a, b) -> Arrays.compareUnsigned(a.name, b.name));
        aux.set(dir, direntNode.size());
        size.set(dir, out.size());
        int subdirs = 0;
        for (Dirent d : out) {
            if ((mode.get(d.node) & LayerIndex.S_IFMT) == LayerIndex.S_IFDIR) {
                subdirs++;
            }
        }
        // "." and the parent's entry, plus each subdirectory's "..", as a local filesystem counts them (the TOC
        // reader leaves the root's own link out).
        nlink.set(dir, 2 + subdirs);
        for (Dirent d : out) {
            direntName.add(names.add(d.name));
            direntNode.add(d.node);
        }
    }

    private int addNode(TocEntry e) throws InvalidLayerException {
        int perm = (int) (e.mode() & 07777);
        int type;
        long sz = 0;
        int a = 0;
        switch (e.type()) {
            case DIR -> type = LayerIndex.S_IFDIR;
            case REG -> {
                type = LayerIndex.S_IFREG;
                sz = e.size();
            }
            case SYMLINK -> {
                type = LayerIndex.S_IFLNK;
                byte[] target = utf8(e.linkName());
                sz = target.length;
                a = extras.addInt(target.length);
                extras.add(target);
            }
            case CHAR -> {
                type = LayerIndex.S_IFCHR;
                a = makedev(e.devMajor(), e.devMinor());
            }
            case BLOCK -> {
                type = LayerIndex.S_IFBLK;
                a = makedev(e.devMajor(), e.devMinor());
            }
            case FIFO -> type = LayerIndex.S_IFIFO;
            default -> throw new InvalidLayerException(layer, e.name(), e.offset(),
                    "unexpected " + e.type().json() + " entry in the tree", null);
        }
        int node = mode.add(type | perm);
        owner.add(ownerId(e.uid(), e.gid()));
        mtime.add(e.modTimeInstant().getEpochSecond());
        size.add(sz);
        int links = reader.linkCount(e.name());
        nlink.add(links <= 0 ? 1 : links);
        aux.add(a);
        nodeOfName.put(e.name(), node);
        if (!e.xattrs().isEmpty()) {
            xattrsOfNode.computeIfAbsent(node, n -> new TreeMap<>()).putAll(e.xattrs());
        }
        if (e.type() == EntryType.REG && e.size() > 0) {
            List<Chunk> cs = reader.chunksOf(e.name());
            if (cs.isEmpty()) {
                throw new InvalidLayerException(layer, e.name(), e.offset(), "regular file of " + e.size()
                        + " bytes has no chunks", null);
            }
            files.add(new FileChunks(node, cs));
        }
        return node;
    }

    private int addWhiteout(TocEntry e) {
        int node = mode.add(LayerIndex.S_IFCHR);
        owner.add(ownerId(0, 0));
        mtime.add(e.modTimeInstant().getEpochSecond());
        size.add(0);
        nlink.add(1);
        aux.add(0); // device 0:0
        return node;
    }

    private int ownerId(long uid, long gid) {
        long key = (uid << 32) | (gid & 0xffffffffL);
        Integer id = ownerIds.get(key);
        if (id == null) {
            id = owners.add(key);
            ownerIds.put(key, id);
        }
        return id;
    }

    /** glibc's {@code makedev}, low 32 bits (what the kernel's FUSE attr carries). */
    static int makedev(int major, int minor) {
        return ((major & 0xfff) << 8) | (minor & 0xff) | ((minor & 0xfff00) << 12);
    }

    private void writeXattrs() {
        for (Map.Entry<Integer, SortedMap<String, byte[]>> x : xattrsOfNode.entrySet()) {
            xattrNodes.add(x.getKey());
            xattrAt.add(extras.addInt(x.getValue().size()));
            for (Map.Entry<String, byte[]> kv : x.getValue().entrySet()) {
                byte[] name = utf8(kv.getKey());
                extras.addInt(name.length);
                extras.add(name);
                extras.addInt(kv.getValue().length);
                extras.add(kv.getValue());
            }
        }
    }

    private void writeChunks() throws InvalidLayerException {
        // Blob order, so that chunks next to each other in the table can be fetched with one range request.
        files.sort(Comparator.comparingLong(f -> f.chunks.get(0).compressedOffset()));
        for (FileChunks f : files) {
            aux.set(f.node, chunkSize.size());
            for (Chunk c : f.chunks) {
                if (c.compressedSize() <= 0 || c.compressedSize() > Integer.MAX_VALUE) {
                    throw new InvalidLayerException(layer, c.name(), c.compressedOffset(),
                            "chunk member of " + c.compressedSize() + " bytes", null);
                }
                byte[] digest = sha256(c);
                int i = chunkSize.add(c.size());
                chunkOffset.add(c.compressedOffset());
                chunkLength.add((int) c.compressedSize());
                chunkDigests.add(digest);
                if (c.innerOffset() != 0) {
                    innerChunks.add(i);
                    innerOffsets.add(c.innerOffset());
                }
            }
        }
    }

    private byte[] sha256(Chunk c) throws InvalidLayerException {
        String d = c.digest();
        if (!d.startsWith("sha256:") || d.length() != 7 + 64) {
            throw new InvalidLayerException(layer, c.name(), c.compressedOffset(), "chunk at file offset "
                    + c.fileOffset() + " has no sha256 digest to verify against (\"" + d + "\")", null);
        }
        // digit by digit: HexFormat.parseHex copies the range out as a string first (a 64-byte string per chunk)
        byte[] out = new byte[32];
        for (int i = 0; i < 32; i++) {
            char hi = d.charAt(7 + 2 * i);
            char lo = d.charAt(8 + 2 * i);
            if (!HexFormat.isHexDigit(hi) || !HexFormat.isHexDigit(lo)) {
                throw new InvalidLayerException(layer, c.name(), c.compressedOffset(), "unparsable chunk digest \""
                        + d + "\"", null);
            }
            out[i] = (byte) (HexFormat.fromHexDigit(hi) << 4 | HexFormat.fromHexDigit(lo));
        }
        return out;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
