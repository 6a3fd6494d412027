package dev.estargz.fusefs.fuse;

import dev.estargz.fusefs.fs.Attributes;
import dev.estargz.fusefs.fs.Errno;
import dev.estargz.fusefs.fs.FsException;
import dev.estargz.fusefs.fs.FsStats;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import jnr.ffi.Pointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import ru.serce.jnrfuse.ErrorCodes;
import ru.serce.jnrfuse.FuseFillDir;
import ru.serce.jnrfuse.FuseStubFS;
import ru.serce.jnrfuse.struct.FileStat;
import ru.serce.jnrfuse.struct.FuseFileInfo;
import ru.serce.jnrfuse.struct.Statvfs;

/**
 * Translates jnr-fuse callbacks into {@link FuseTree} calls (a layer's file system, or a layer store) and nothing more: every exception is caught,
 * logged and mapped to an errno, because jnr-fuse turns an escaped exception into a silent EIO.
 */
final class LayerFuseAdapter extends FuseStubFS {
    private static final Logger LOG = LoggerFactory.getLogger(LayerFuseAdapter.class);

    /** Set once by {@link #serve}, before {@link FuseSession} starts its workers (which publishes it to them). */
    private FuseTree fs;
    private final CompletableFuture<Void> initialized = new CompletableFuture<>();

    /** An adapter with its native callbacks built, serving nothing yet (see {@link SpareAdapter}). */
    LayerFuseAdapter() {
    }

    /** Binds the tree this adapter serves; once, before it is mounted. */
    LayerFuseAdapter serve(FuseTree fs) {
        if (this.fs != null) {
            throw new IllegalStateException("this adapter already serves " + this.fs.name());
        }
        this.fs = fs;
        return this;
    }

    /** The native callback table that {@link FuseSession} hands to libfuse. */
    jnr.ffi.Struct operations() {
        return fuseOperations;
    }

    /** Completes when the kernel's FUSE_INIT arrived: mount(2) has returned and a worker is serving. */
    CompletableFuture<Void> initialized() {
        return initialized;
    }

    @Override
    public Pointer init(Pointer conn) {
        initialized.complete(null);
        return null;
    }

    @Override
    public int getattr(String path, FileStat stat) {
        long t0 = System.nanoTime();
        try {
            fill(stat, fs.attributes(fs.resolve(path)));
            return took("getattr", path, t0, 0);
        } catch (Throwable t) {
            return fail("getattr", path, t);
        }
    }

    @Override
    public int readdir(String path, Pointer buf, FuseFillDir filler, long offset, FuseFileInfo fi) {
        try {
            long t0 = System.nanoTime();
            long node = fs.resolve(path);
            filler.apply(buf, ".", null, 0);
            filler.apply(buf, "..", null, 0);
            // overlayfs recognises whiteouts by the entry type readdir reports, so pass mode (and inode) along.
            FileStat st = new FileStat(jnr.ffi.Runtime.getSystemRuntime());
            fs.list(node, (name, child) -> {
                Attributes a = fs.attributes(child);
                st.st_mode.set(a.mode());
                st.st_ino.set(a.ino());
                filler.apply(buf, name, st, 0);
            });
            return took("readdir", path, t0, 0);
        } catch (Throwable t) {
            return fail("readdir", path, t);
        }
    }

    @Override
    public int open(String path, FuseFileInfo fi) {
        try {
            long node = fs.resolve(path);
            fs.checkOpen(node, fi.flags.get());
            fi.fh.set(node);
            return 0;
        } catch (Throwable t) {
            return fail("open", path, t);
        }
    }

    @Override
    public int read(String path, Pointer buf, long size, long offset, FuseFileInfo fi) {
        try {
            long t0 = System.nanoTime();
            long node = fi.fh.get();
            return took("read", path, t0, fs.read(node, offset, (int) Math.min(size, Integer.MAX_VALUE),
                    (at, src, from, len) -> buf.put(at, src, from, len)));
        } catch (Throwable t) {
            return fail("read", path, t);
        }
    }

    /**
     * Returns {@code result}; an operation that took over 2 ms is logged at debug (the reads that waited for the
     * registry, and anything else that should not have).
     */
    private int took(String op, String path, long t0, int result) {
        long us = (System.nanoTime() - t0) / 1000;
        if (us > 2000 && LOG.isDebugEnabled()) {
            LOG.debug("{} {} {}: {} us", fs.name(), op, path, us);
        }
        return result;
    }

    @Override
    public int release(String path, FuseFileInfo fi) {
        return 0;
    }

    @Override
    public int create(String path, long mode, FuseFileInfo fi) {
        try {
            fs.create(path);
            return -ErrorCodes.EROFS();
        } catch (Throwable t) {
            return fail("create", path, t);
        }
    }

    @Override
    public int rmdir(String path) {
        try {
            fs.rmdir(path);
            return -ErrorCodes.EROFS();
        } catch (Throwable t) {
            return fail("rmdir", path, t);
        }
    }

    @Override
    public int readlink(String path, Pointer buf, long size) {
        try {
            byte[] target = fs.readlink(fs.resolve(path)).getBytes(StandardCharsets.UTF_8);
            int n = (int) Math.min(target.length, size - 1);
            buf.put(0, target, 0, n);
            buf.putByte(n, (byte) 0);
            return 0;
        } catch (Throwable t) {
            return fail("readlink", path, t);
        }
    }

    @Override
    public int getxattr(String path, String name, Pointer value, long size) {
        try {
            byte[] v = fs.xattr(fs.resolve(path), name);
            if (size == 0) {
                return v.length;
            }
            if (size < v.length) {
                return -ErrorCodes.ERANGE();
            }
            value.put(0, v, 0, v.length);
            return v.length;
        } catch (Throwable t) {
            return fail("getxattr", path, t);
        }
    }

    @Override
    public int listxattr(String path, Pointer list, long size) {
        try {
            List<String> names = fs.xattrNames(fs.resolve(path));
            int total = 0;
            for (String n : names) {
                total += n.getBytes(StandardCharsets.UTF_8).length + 1;
            }
            if (size == 0) {
                return total;
            }
            if (size < total) {
                return -ErrorCodes.ERANGE();
            }
            int at = 0;
            for (String n : names) {
                byte[] b = n.getBytes(StandardCharsets.UTF_8);
                list.put(at, b, 0, b.length);
                list.putByte(at + b.length, (byte) 0);
                at += b.length + 1;
            }
            return total;
        } catch (Throwable t) {
            return fail("listxattr", path, t);
        }
    }

    @Override
    public int statfs(String path, Statvfs stbuf) {
        try {
            FsStats s = fs.statfs();
            stbuf.f_bsize.set(s.blockSize());
            stbuf.f_frsize.set(s.blockSize());
            stbuf.f_files.set(s.files());
            stbuf.f_namemax.set(s.nameMax());
            return 0;
        } catch (Throwable t) {
            return fail("statfs", path, t);
        }
    }

    private static void fill(FileStat stat, Attributes a) {
        stat.st_ino.set(a.ino());
        stat.st_mode.set(a.mode());
        stat.st_nlink.set(a.nlink());
        stat.st_uid.set(a.uid());
        stat.st_gid.set(a.gid());
        stat.st_rdev.set(a.rdev());
        stat.st_size.set(a.size());
        stat.st_blocks.set(a.blocks());
        stat.st_blksize.set(4096);
        stat.st_mtim.tv_sec.set(a.mtimeSeconds());
        stat.st_mtim.tv_nsec.set(0);
        stat.st_atim.tv_sec.set(a.mtimeSeconds());
        stat.st_atim.tv_nsec.set(0);
        stat.st_ctim.tv_sec.set(a.mtimeSeconds());
        stat.st_ctim.tv_nsec.set(0);
    }

    private int fail(String op, String path, Throwable t) {
        if (t instanceof FsException e) {
            if (e.errno() == Errno.EIO) {
                LOG.warn("{} {} {}: {}", fs.name(), op, path, e.getMessage());
            } else {
                LOG.trace("{} {}: {} {}", op, path, e.errno(), e.getMessage());
            }
            return -errno(e.errno());
        }
        LOG.error("{} {} {} failed unexpectedly", fs.name(), op, path, t);
        return -ErrorCodes.EIO();
    }

    private static int errno(Errno e) {
        return switch (e) {
            case ENOENT -> ErrorCodes.ENOENT();
            case ENOTDIR -> ErrorCodes.ENOTDIR();
            case EISDIR -> ErrorCodes.EISDIR();
            case EINVAL -> ErrorCodes.EINVAL();
            case EIO -> ErrorCodes.EIO();
            case ERANGE -> ErrorCodes.ERANGE();
            case ENODATA -> ErrorCodes.ENODATA();
            case EROFS -> ErrorCodes.EROFS();
            case EACCES -> ErrorCodes.EACCES();
        };
    }
}
