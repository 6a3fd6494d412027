package dev.estargz.fusefs.fs;

import dev.estargz.fusefs.fetch.ChunkFetcher;
import dev.estargz.fusefs.fetch.OnDemandEvents;
import dev.estargz.fusefs.index.LayerIndex;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The read-only filesystem of one layer, independent of FUSE: path resolution, attributes, sorted directory
 * listings, symlinks, xattrs and reads served through the {@link ChunkFetcher}, plus the reference's state
 * directory {@code /.stargz-snapshotter/<layer-digest>.json}, which answers lookup but is absent from readdir.
 * Nodes are the index's, followed by the state directory and the state file. Thread-safe.
 */
public final class LayerFileSystem {
    /** Name of the state directory in the root. */
    public static final String STATE_DIR = ".stargz-snapshotter";
    private static final int S_IFDIR = 0040000;
    private static final int S_IFREG = 0100000;
    private static final int S_IFMT = 0170000;

    private final String layer;
    private final LayerIndex index;
    private final ChunkFetcher fetcher;
    private final OnDemandEvents events;
    private final Supplier<byte[]> stateJson;
    private final String stateFileName;
    private final int stateDirNode;
    private final int stateFileNode;

    /**
     * @param layerDigest the layer's digest, which names the state file
     * @param stateJson   the current state file content
     */
    public LayerFileSystem(String layerDigest, LayerIndex index, ChunkFetcher fetcher, Supplier<byte[]> stateJson,
            OnDemandEvents events) {
        this.layer = layerDigest;
        this.events = events;
        this.index = index;
        this.fetcher = fetcher;
        this.stateJson = stateJson;
        this.stateFileName = layerDigest + ".json";
        this.stateDirNode = index.nodeCount();
        this.stateFileNode = index.nodeCount() + 1;
    }

    /** The node at an absolute path ({@code /} is the root). */
    public int resolve(String path) throws FsException {
        int node = LayerIndex.ROOT;
        int i = 1;
        int n = path.length();
        while (i < n) {
            int j = path.indexOf('/', i);
            if (j < 0) {
                j = n;
            }
            if (j > i) {
                node = child(node, path.substring(i, j), path);
            }
            i = j + 1;
        }
        return node;
    }

    private int child(int dir, String name, String path) throws FsException {
        if (dir == stateDirNode) {
            if (name.equals(stateFileName)) {
                return stateFileNode;
            }
            throw new FsException(Errno.ENOENT, path);
        }
        if (dir == stateFileNode || !index.isDirectory(dir)) {
            throw new FsException(Errno.ENOTDIR, path);
        }
        if (dir == LayerIndex.ROOT && name.equals(STATE_DIR)) {
            return stateDirNode;
        }
        int c = index.lookup(dir, name.getBytes(StandardCharsets.UTF_8));
        if (c < 0) {
            throw new FsException(Errno.ENOENT, path);
        }
        return c;
    }

    /** {@code stat} of a node. */
    public Attributes attributes(int node) {
        if (node == stateDirNode) {
            return new Attributes(node + 1L, S_IFDIR | 0500, 1, 0, 0, 0, 0, 0, 0);
        }
        if (node == stateFileNode) {
            long size = stateJson.get().length;
            return new Attributes(node + 1L, S_IFREG | 0400, 1, 0, 0, 0, size, (size + 511) / 512, 0);
        }
        long size = index.size(node);
        return new Attributes(node + 1L, index.mode(node), index.nlink(node), index.uid(node), index.gid(node),
                index.rdev(node), size, (size + 511) / 512, index.mtime(node));
    }

    /** Receives directory entries. */
    @FunctionalInterface
    public interface EntryVisitor {
        void entry(String name, int node);
    }

    /** The entries of a directory, sorted by the bytes of their names, without {@code .} and {@code ..}. */
    public void list(int dir, EntryVisitor names) throws FsException {
        if (dir == stateDirNode) {
            names.entry(stateFileName, stateFileNode);
            return;
        }
        if (dir == stateFileNode || !index.isDirectory(dir)) {
            throw new FsException(Errno.ENOTDIR, "node " + dir);
        }
        int n = index.childCount(dir);
        for (int i = 0; i < n; i++) {
            names.entry(index.childName(dir, i), index.childNode(dir, i));
        }
    }

    /** The target of a symlink. */
    public String readlink(int node) throws FsException {
        if (node >= stateDirNode || !index.isSymlink(node)) {
            throw new FsException(Errno.EINVAL, "not a symlink: node " + node);
        }
        return index.symlinkTarget(node);
    }

    /** The value of an extended attribute. */
    public byte[] xattr(int node, String name) throws FsException {
        byte[] v = node >= stateDirNode ? null : index.xattrs(node).get(name);
        if (v == null) {
            throw new FsException(Errno.ENODATA, name);
        }
        return v;
    }

    /** The names of a node's extended attributes. */
    public List<String> xattrNames(int node) {
        return node >= stateDirNode ? List.of() : new ArrayList<>(index.xattrs(node).keySet());
    }

    /** Checks that a node may be opened with these {@code open(2)} flags (read-only filesystem). */
    public void checkOpen(int node, int flags) throws FsException {
        if ((flags & 3) != 0) {
            throw new FsException(Errno.EROFS, "read-only filesystem");
        }
        if (node < index.nodeCount() && index.isRegular(node)) {
            events.opened(() -> index.pathOf(node));
        }
    }

    /**
     * Reads up to {@code size} bytes at {@code offset} of a regular file into {@code target}.
     *
     * @return bytes read (0 at or past the end)
     * @throws FsException EIO when a chunk cannot be fetched in time or fails verification
     */
    public int read(int node, long offset, int size, ReadTarget target) throws FsException {
        if (node == stateFileNode) {
            byte[] s = stateJson.get();
            if (offset >= s.length) {
                return 0;
            }
            int len = (int) Math.min(size, s.length - offset);
            target.put(0, s, (int) offset, len);
            return len;
        }
        if (node == stateDirNode || index.isDirectory(node)) {
            throw new FsException(Errno.EISDIR, "node " + node);
        }
        if ((index.mode(node) & S_IFMT) != S_IFREG) {
            throw new FsException(Errno.EINVAL, "not a regular file: node " + node);
        }
        long fileSize = index.size(node);
        if (offset >= fileSize || size <= 0) {
            return 0;
        }
        long t0 = System.nanoTime();
        long end = Math.min(fileSize, offset + size);
        int c = index.firstChunk(node);
        long chunkStart = 0;
        while (chunkStart + index.chunkSize(c) <= offset) {
            chunkStart += index.chunkSize(c);
            c++;
        }
        int first = c;
        long firstStart = chunkStart;
        while (chunkStart + index.chunkSize(c) < end) {
            chunkStart += index.chunkSize(c);
            c++;
        }
        byte[][] chunks;
        try {
            // what of the file lies after the last chunk read, so that read-ahead knows how far the file goes
            chunks = fetcher.chunks(first, c, fileSize - chunkStart - index.chunkSize(c));
        } catch (IOException e) {
            throw new FsException(Errno.EIO, "layer " + layer + ": reading " + index.pathOf(node) + " at offset "
                    + offset + ": " + e.getMessage(), e);
        }
        long pos = offset;
        long start = firstStart;
        for (byte[] chunk : chunks) {
            int from = (int) (pos - start);
            int len = (int) Math.min(chunk.length - from, end - pos);
            target.put(pos - offset, chunk, from, len);
            pos += len;
            start += chunk.length;
        }
        events.read((int) (end - offset), System.nanoTime() - t0);
        return (int) (end - offset);
    }

    /** {@code statfs}: 4 KiB blocks as the reference reports, no free space, one file per node. */
    public FsStats statfs() {
        return new FsStats(4096, index.nodeCount() + 2L, 255);
    }

    /** The layer's name for logs. */
    public String layer() {
        return layer;
    }
}
