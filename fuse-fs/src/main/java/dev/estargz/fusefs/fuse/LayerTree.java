package dev.estargz.fusefs.fuse;

import dev.estargz.fusefs.fs.Attributes;
import dev.estargz.fusefs.fs.FsException;
import dev.estargz.fusefs.fs.FsStats;
import dev.estargz.fusefs.fs.LayerFileSystem;
import dev.estargz.fusefs.fs.ReadTarget;
import java.util.List;

/** One layer's file system as a {@link FuseTree}: its node numbers are the handles. */
public record LayerTree(LayerFileSystem fs) implements FuseTree {
    @Override
    public long resolve(String path) throws FsException {
        return fs.resolve(path);
    }

    @Override
    public Attributes attributes(long node) {
        return fs.attributes(local(node));
    }

    @Override
    public void list(long dir, EntryVisitor entries) throws FsException {
        fs.list(local(dir), entries::entry);
    }

    @Override
    public String readlink(long node) throws FsException {
        return fs.readlink(local(node));
    }

    @Override
    public byte[] xattr(long node, String name) throws FsException {
        return fs.xattr(local(node), name);
    }

    @Override
    public List<String> xattrNames(long node) {
        return fs.xattrNames(local(node));
    }

    @Override
    public void checkOpen(long node, int flags) throws FsException {
        fs.checkOpen(local(node), flags);
    }

    @Override
    public int read(long node, long offset, int size, ReadTarget target) throws FsException {
        return fs.read(local(node), offset, size, target);
    }

    @Override
    public FsStats statfs() {
        return fs.statfs();
    }

    @Override
    public String name() {
        return fs.layer();
    }

    /** Handles this tree gave out are the layer's int node numbers. */
    private static int local(long node) {
        return Math.toIntExact(node);
    }
}
