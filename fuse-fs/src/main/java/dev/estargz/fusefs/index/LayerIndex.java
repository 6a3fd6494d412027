package dev.estargz.fusefs.index;

import dev.estargz.format.InvalidLayerException;
import dev.estargz.format.reader.EStargzReader;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The file tree and chunk table of one layer in a few flat primitive arrays, so that a layer of 100k files costs
 * a few megabytes instead of one object graph per entry. Nodes are numbered from {@link #ROOT}; hardlinks are one
 * node reached through several directory entries; whiteouts and opaque markers are already translated to what
 * overlayfs expects. Immutable and thread-safe.
 */
public final class LayerIndex {
    /** The root directory's node. */
    public static final int ROOT = 0;

    static final int S_IFMT = 0170000;
    static final int S_IFDIR = 0040000;
    static final int S_IFREG = 0100000;
    static final int S_IFLNK = 0120000;
    static final int S_IFCHR = 0020000;
    static final int S_IFBLK = 0060000;
    static final int S_IFIFO = 0010000;

    // Per node. aux: dir → first directory entry; reg → first chunk; symlink → extras offset; char/block → rdev.
    private final int[] mode;
    private final int[] owner;
    private final long[] owners;
    private final long[] mtime;
    private final long[] size; // dirs: number of entries (st_size reports 0)
    private final int[] nlink;
    private final int[] aux;
    private final int[] xattrNodes; // sorted
    private final int[] xattrAt;
    private final byte[] extras;

    // Per directory entry, grouped by directory and sorted by the UTF-8 bytes of the name.
    private final int[] direntName; // start in names; one extra sentinel at the end
    private final int[] direntNode;
    private final byte[] names;

    // Per chunk, files laid out in blob order so that neighbours in the array are neighbours in the blob.
    private final long[] chunkOffset;
    private final int[] chunkLength;
    private final int[] chunkSize;
    private final byte[] chunkDigests;
    private final int[] innerChunks; // sorted chunk numbers whose member is shared (innerOffset != 0)
    private final long[] innerOffsets;

    private final int tocEntries;

    LayerIndex(LayerIndexBuilder b) {
        mode = b.mode.toArray();
        owner = b.owner.toArray();
        owners = b.owners.toArray();
        mtime = b.mtime.toArray();
        size = b.size.toArray();
        nlink = b.nlink.toArray();
        aux = b.aux.toArray();
        xattrNodes = b.xattrNodes.toArray();
        xattrAt = b.xattrAt.toArray();
        extras = b.extras.toArray();
        direntName = b.direntName.toArray();
        direntNode = b.direntNode.toArray();
        names = b.names.toArray();
        chunkOffset = b.chunkOffset.toArray();
        chunkLength = b.chunkLength.toArray();
        chunkSize = b.chunkSize.toArray();
        chunkDigests = b.chunkDigests.toArray();
        innerChunks = b.innerChunks.toArray();
        innerOffsets = b.innerOffsets.toArray();
        tocEntries = b.tocEntries;
    }

    /**
     * Builds the index of an opened layer. The reader is not kept: once this returns, the TOC objects can be
     * collected and only the arrays remain.
     */
    public static LayerIndex build(EStargzReader reader, OverlayOpaque opaque) throws InvalidLayerException {
        return new LayerIndexBuilder(reader, opaque).build();
    }

    /** Number of nodes (inodes). */
    public int nodeCount() {
        return mode.length;
    }

    /** Number of TOC entries the index was built from. */
    public int tocEntries() {
        return tocEntries;
    }

    /** Full {@code st_mode}: type bits and permissions. */
    public int mode(int node) {
        return mode[node];
    }

    public boolean isDirectory(int node) {
        return (mode[node] & S_IFMT) == S_IFDIR;
    }

    public boolean isRegular(int node) {
        return (mode[node] & S_IFMT) == S_IFREG;
    }

    public boolean isSymlink(int node) {
        return (mode[node] & S_IFMT) == S_IFLNK;
    }

    public long uid(int node) {
        return owners[owner[node]] >>> 32;
    }

    public long gid(int node) {
        return owners[owner[node]] & 0xffffffffL;
    }

    /** Modification time in seconds since the epoch (the TOC keeps whole seconds). */
    public long mtime(int node) {
        return mtime[node];
    }

    /** {@code st_size}: bytes of a file, length of a symlink's target, 0 otherwise. */
    public long size(int node) {
        return isDirectory(node) ? 0 : size[node];
    }

    public int nlink(int node) {
        return nlink[node];
    }

    /** Device number as glibc's {@code makedev} encodes it; 0 for anything but char and block devices. */
    public long rdev(int node) {
        int type = mode[node] & S_IFMT;
        return type == S_IFCHR || type == S_IFBLK ? aux[node] & 0xffffffffL : 0;
    }

    /** The target of a symlink. */
    public String symlinkTarget(int node) {
        if (!isSymlink(node)) {
            throw new IllegalArgumentException("node " + node + " is not a symlink");
        }
        int at = aux[node];
        return new String(extras, at + 4, readInt(extras, at), StandardCharsets.UTF_8);
    }

    /** Extended attributes (opaque markers included), sorted by name; empty for most nodes. */
    public SortedMap<String, byte[]> xattrs(int node) {
        int i = Arrays.binarySearch(xattrNodes, node);
        if (i < 0) {
            return Collections.emptySortedMap();
        }
        TreeMap<String, byte[]> out = new TreeMap<>();
        int at = xattrAt[i];
        int count = readInt(extras, at);
        at += 4;
        for (int k = 0; k < count; k++) {
            int nl = readInt(extras, at);
            String name = new String(extras, at + 4, nl, StandardCharsets.UTF_8);
            at += 4 + nl;
            int vl = readInt(extras, at);
            out.put(name, Arrays.copyOfRange(extras, at + 4, at + 4 + vl));
            at += 4 + vl;
        }
        return out;
    }

    /** Number of entries in a directory (without {@code .} and {@code ..}). */
    public int childCount(int dir) {
        return isDirectory(dir) ? (int) size[dir] : 0;
    }

    /** The node of a directory's {@code i}-th entry in name order. */
    public int childNode(int dir, int i) {
        return direntNode[aux[dir] + i];
    }

    /** The name of a directory's {@code i}-th entry in name order. */
    public String childName(int dir, int i) {
        int d = aux[dir] + i;
        return new String(names, direntName[d], direntName[d + 1] - direntName[d], StandardCharsets.UTF_8);
    }

    /** The node named {@code name} (UTF-8) in {@code dir}, or -1. */
    public int lookup(int dir, byte[] name) {
        if (!isDirectory(dir)) {
            return -1;
        }
        int lo = aux[dir];
        int hi = lo + (int) size[dir] - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int c = Arrays.compareUnsigned(names, direntName[mid], direntName[mid + 1], name, 0, name.length);
            if (c < 0) {
                lo = mid + 1;
            } else if (c > 0) {
                hi = mid - 1;
            } else {
                return direntNode[mid];
            }
        }
        return -1;
    }

    /** The first chunk of a regular file; its chunks follow contiguously until their sizes add up to the file's. */
    public int firstChunk(int node) {
        return isRegular(node) && size[node] > 0 ? aux[node] : -1;
    }

    /** Total number of chunks in the layer. */
    public int chunkCount() {
        return chunkSize.length;
    }

    /** Where the chunk's gzip member starts in the blob. */
    public long chunkCompressedOffset(int c) {
        return chunkOffset[c];
    }

    /** Bytes to fetch for the chunk (its whole member). */
    public int chunkCompressedLength(int c) {
        return chunkLength[c];
    }

    /** Uncompressed bytes of the chunk. */
    public int chunkSize(int c) {
        return chunkSize[c];
    }

    /** Uncompressed bytes to skip inside the member before the chunk starts (smaller-eStargz layers). */
    public long chunkInnerOffset(int c) {
        int i = Arrays.binarySearch(innerChunks, c);
        return i < 0 ? 0 : innerOffsets[i];
    }

    /** The chunk's sha256 in lowercase hex: its name in the content-addressed cache. */
    public String chunkDigestHex(int c) {
        return HexFormat.of().formatHex(chunkDigests, c * 32, c * 32 + 32);
    }

    /** The chunk's sha256 as 32 bytes. */
    public byte[] chunkDigest(int c) {
        return Arrays.copyOfRange(chunkDigests, c * 32, c * 32 + 32);
    }

    /** The node of the file a chunk belongs to (a slow scan: for error messages only). */
    public int fileOfChunk(int c) {
        for (int n = 0; n < mode.length; n++) {
            int first = firstChunk(n);
            if (first >= 0 && c >= first) {
                long left = size[n];
                for (int k = first; left > 0; k++) {
                    if (k == c) {
                        return n;
                    }
                    left -= chunkSize[k];
                }
            }
        }
        return -1;
    }

    /** A path that reaches {@code node} (a slow scan: for error messages only). */
    public String pathOf(int node) {
        if (node == ROOT) {
            return "/";
        }
        return pathFrom(ROOT, node, "");
    }

    private String pathFrom(int dir, int target, String prefix) {
        int n = childCount(dir);
        for (int i = 0; i < n; i++) {
            int child = childNode(dir, i);
            String p = prefix + "/" + childName(dir, i);
            if (child == target) {
                return p;
            }
            if (isDirectory(child)) {
                String found = pathFrom(child, target, p);
                if (found != null) {
                    return found;
                }
            }
        }
        return dir == ROOT ? "node " + target : null;
    }

    /** Heap bytes held by the arrays (object headers included), for measuring the cost per TOC entry. */
    public long heapBytes() {
        long b = 0;
        for (int[] a : new int[][] {mode, owner, nlink, aux, xattrNodes, xattrAt, direntName, direntNode, chunkLength,
                chunkSize, innerChunks}) {
            b += 16 + 4L * a.length;
        }
        for (long[] a : new long[][] {owners, mtime, size, chunkOffset, innerOffsets}) {
            b += 16 + 8L * a.length;
        }
        for (byte[] a : new byte[][] {extras, names, chunkDigests}) {
            b += 16 + a.length;
        }
        return b;
    }

    static int readInt(byte[] a, int at) {
        return ((a[at] & 0xff) << 24) | ((a[at + 1] & 0xff) << 16) | ((a[at + 2] & 0xff) << 8) | (a[at + 3] & 0xff);
    }

    @Override
    public String toString() {
        return "LayerIndex[" + nodeCount() + " nodes, " + direntNode.length + " entries, " + chunkCount()
                + " chunks, " + heapBytes() + " bytes]";
    }
}
