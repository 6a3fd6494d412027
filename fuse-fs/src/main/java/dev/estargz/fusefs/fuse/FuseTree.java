package dev.estargz.fusefs.fuse;

import dev.estargz.fusefs.fs.Attributes;
import dev.estargz.fusefs.fs.Errno;
import dev.estargz.fusefs.fs.FsException;
import dev.estargz.fusefs.fs.FsStats;
import dev.estargz.fusefs.fs.ReadTarget;
import java.util.List;

/**
 * What a FUSE mount serves: a read-only tree addressed by paths, whose nodes are named by {@code long} handles (a
 * layer's own node numbers, or a store's numbers that say which layer a node belongs to). A layer's file system is
 * one ({@link FuseMount#mount}); a layer store that serves many layers under one mount is another.
 */
public interface FuseTree {
    /** Receives directory entries. */
    @FunctionalInterface
    interface EntryVisitor {
        void entry(String name, long node);
    }

    /** The node at {@code path} (absolute, {@code /} is the root). */
    long resolve(String path) throws FsException;

    /** The attributes of a node this tree handed out. */
    Attributes attributes(long node);

    /** The entries of a directory, without {@code .} and {@code ..}. */
    void list(long dir, EntryVisitor entries) throws FsException;

    String readlink(long node) throws FsException;

    byte[] xattr(long node, String name) throws FsException;

    List<String> xattrNames(long node) throws FsException;

    /** Refuses opens the tree does not allow (writes, directories). */
    void checkOpen(long node, int flags) throws FsException;

    /** Copies up to {@code size} bytes at {@code offset} of a regular file into {@code target}; returns how many. */
    int read(long node, long offset, int size, ReadTarget target) throws FsException;

    FsStats statfs();

    /** What the tree is, for log lines. */
    String name();

    /**
     * {@code create(2)} of {@code path}. Files are never made; a tree may take the call as a message (the layer
     * store's {@code use} file) and still answer with an error.
     */
    default void create(String path) throws FsException {
        throw new FsException(Errno.EROFS, path);
    }

    /** {@code rmdir(2)} of {@code path}; as {@link #create}, a message at most (the layer store's release). */
    default void rmdir(String path) throws FsException {
        throw new FsException(Errno.EROFS, path);
    }
}
