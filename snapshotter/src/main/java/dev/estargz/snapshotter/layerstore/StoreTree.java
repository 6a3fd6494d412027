package dev.estargz.snapshotter.layerstore;

import dev.estargz.fusefs.fs.Attributes;
import dev.estargz.fusefs.fs.Errno;
import dev.estargz.fusefs.fs.FsException;
import dev.estargz.fusefs.fs.FsStats;
import dev.estargz.fusefs.fs.ReadTarget;
import dev.estargz.fusefs.fuse.FuseTree;
import dev.estargz.fusefs.fuse.LayerTree;
import dev.estargz.registry.ByteRange;
import dev.estargz.registry.Digest;
import dev.estargz.registry.reference.ImageReference;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store's tree, laid out as containers/storage's additional layer store with references
 * ({@code additionallayerstores = ["<mountpoint>:ref"]}) and as the reference's {@code stargz-store}:
 * {@code /<base64 of the image reference>/<layer digest>/} holds {@code diff} (the layer's files), {@code info}
 * (JSON for containers/storage) and {@code blob} (the compressed layer). Creating {@code use} in a layer's directory
 * counts a use, removing the directory releases one; both answer ENOENT, which is what containers/storage expects of
 * a store that counts. Nothing can be written.
 *
 * <p>Node handles: the store's own nodes (directories, {@code info}, {@code blob}) have small numbers; a node under
 * a layer's {@code diff} is {@code slot << 32 | node}, and so is its inode number, so that the layers' inodes differ
 * although they share one mount.
 */
final class StoreTree implements FuseTree {
    private static final Logger LOG = LoggerFactory.getLogger(StoreTree.class);
    private static final int DIR_MODE = 0040500;
    private static final int FILE_MODE = 0100400;
    private static final int MAX_BLOB_READ = 1 << 20;
    private static final long ROOT = 1;

    private enum Kind { ROOT, REF, LAYER_DIR, INFO, BLOB }

    /** One of the store's own nodes; {@code data} only for {@code info}, {@code slot} only for {@code blob}. */
    private record StoreNode(long id, Kind kind, LayerKey key, byte[] data, int slot) {
    }

    private final StoreLayers layers;
    private final String name;
    private final long startSeconds = System.currentTimeMillis() / 1000;
    private final AtomicLong nextId = new AtomicLong(ROOT + 1);
    /** The store's own nodes by path and by id; a few per layer looked up, kept for the store's life. */
    private final ConcurrentHashMap<String, Long> idsByPath = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Long, StoreNode> nodes = new ConcurrentHashMap<>();

    StoreTree(StoreLayers layers, String name) {
        this.layers = layers;
        this.name = name;
        nodes.put(ROOT, new StoreNode(ROOT, Kind.ROOT, null, null, 0));
    }

    @Override
    public long resolve(String path) throws FsException {
        if (path.equals("/")) {
            return ROOT;
        }
        String[] parts = path.substring(1).split("/", 4);
        LayerKey key = key(parts);
        if (parts.length == 1) {
            return node("/" + parts[0], Kind.REF, key, null, 0);
        }
        String layerDir = "/" + parts[0] + "/" + parts[1];
        if (parts.length == 2) {
            return node(layerDir, Kind.LAYER_DIR, key, null, 0);
        }
        switch (parts[2]) {
            case "info" -> {
                byte[] info;
                try {
                    info = layers.info(key);
                } catch (IOException e) {
                    LOG.warn("failed to get layer info for {}: {}", key, e.getMessage());
                    throw new FsException(Errno.EIO, e.getMessage(), e);
                }
                return node(layerDir + "/info", Kind.INFO, key, info, 0);
            }
            case "blob" -> {
                return node(layerDir + "/blob", Kind.BLOB, key, null, layer(key).slot());
            }
            case "diff" -> {
                StoreLayer l = layer(key);
                long local = l.layer().fileSystem().resolve(parts.length == 4 ? "/" + parts[3] : "/");
                return layerHandle(l.slot(), local);
            }
            default -> throw new FsException(Errno.ENOENT, path); // "use" too: it never exists
        }
    }

    /** The layer key of a path's first two parts (EINVAL for names containers/storage would not make). */
    private static LayerKey key(String[] parts) throws FsException {
        String refText;
        ImageReference ref;
        try {
            refText = new String(Base64.getDecoder().decode(parts[0]), StandardCharsets.UTF_8);
            ref = ImageReference.parse(refText);
        } catch (IllegalArgumentException e) {
            throw new FsException(Errno.EINVAL, "invalid reference in " + parts[0] + ": " + e.getMessage());
        }
        if (parts.length == 1) {
            return new LayerKey(refText, ref, null);
        }
        try {
            return new LayerKey(refText, ref, Digest.parse(parts[1]));
        } catch (IllegalArgumentException e) {
            throw new FsException(Errno.EINVAL, "invalid digest " + parts[1] + ": " + e.getMessage());
        }
    }

    private StoreLayer layer(LayerKey key) throws FsException {
        try {
            return layers.layer(key);
        } catch (IOException e) {
            LOG.warn("failed to resolve layer {}: {}", key, e.getMessage());
            throw new FsException(Errno.EIO, e.getMessage(), e);
        }
    }

    private long node(String path, Kind kind, LayerKey key, byte[] data, int slot) {
        long id = idsByPath.computeIfAbsent(path, p -> nextId.getAndIncrement());
        nodes.put(id, new StoreNode(id, kind, key, data, slot)); // info is fetched again: keep the latest
        return id;
    }

    private static long layerHandle(int slot, long local) {
        return ((long) slot << 32) | (local & 0xffff_ffffL);
    }

    private static int slotOf(long handle) {
        return (int) (handle >>> 32);
    }

    /** The layer's own node number in a handle of a layer's node. */
    private static long localOf(long handle) {
        return handle & 0xffff_ffffL;
    }

    /** The store's directory of a reference: its base64, as containers/storage names it. */
    private static String refDir(LayerKey key) {
        return "/" + Base64.getEncoder().encodeToString(key.refText().getBytes(StandardCharsets.UTF_8));
    }

    /** The layer tree a handle of a layer's node belongs to. */
    private LayerTree layerOf(long handle) throws FsException {
        StoreLayer l = layers.bySlot(slotOf(handle));
        if (l == null) {
            throw new FsException(Errno.ENOENT, "layer of slot " + slotOf(handle) + " was released");
        }
        return new LayerTree(l.layer().fileSystem());
    }

    private StoreNode own(long handle) throws FsException {
        StoreNode n = nodes.get(handle);
        if (n == null) {
            throw new FsException(Errno.ENOENT, "node " + handle);
        }
        return n;
    }

    @Override
    public Attributes attributes(long node) {
        try {
            if (slotOf(node) != 0) {
                Attributes a = layerOf(node).attributes(localOf(node));
                return new Attributes(layerHandle(slotOf(node), a.ino()), a.mode(), a.nlink(), a.uid(), a.gid(),
                        a.rdev(), a.size(), a.blocks(), a.mtimeSeconds());
            }
            StoreNode n = own(node);
            long size = switch (n.kind()) {
                case INFO -> n.data().length;
                case BLOB -> blobSize(n);
                default -> 0;
            };
            boolean dir = n.kind() != Kind.INFO && n.kind() != Kind.BLOB;
            return new Attributes(node, dir ? DIR_MODE : FILE_MODE, dir ? 2 : 1, 0, 0, 0, size, (size + 511) / 512,
                    startSeconds);
        } catch (FsException e) {
            // a handle the kernel holds after its layer was released: the adapter answers EIO
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    private long blobSize(StoreNode n) throws FsException {
        StoreLayer l = layers.bySlot(n.slot());
        if (l == null) {
            throw new FsException(Errno.ENOENT, "blob of " + n.key() + " was released");
        }
        return l.blobSize();
    }

    @Override
    public void list(long dir, EntryVisitor entries) throws FsException {
        if (slotOf(dir) != 0) {
            int slot = slotOf(dir);
            layerOf(dir).list(localOf(dir), (name, child) -> entries.entry(name, layerHandle(slot, child)));
            return;
        }
        StoreNode n = own(dir);
        switch (n.kind()) {
            case ROOT -> {
                TreeSet<String> refs = new TreeSet<>();
                for (StoreLayer l : layers.open()) {
                    refs.add(refDir(l.key()));
                }
                for (String r : refs) {
                    entries.entry(r.substring(1), resolve(r));
                }
            }
            case REF -> {
                String refDir = refDir(n.key());
                TreeSet<String> digests = new TreeSet<>();
                for (StoreLayer l : layers.open()) {
                    if (l.key().refText().equals(n.key().refText())) {
                        digests.add(l.key().digest().toString());
                    }
                }
                for (String d : digests) {
                    entries.entry(d, resolve(refDir + "/" + d));
                }
            }
            case LAYER_DIR -> {
                String layerDir = refDir(n.key()) + "/" + n.key().digest();
                for (String child : List.of("blob", "diff", "info")) {
                    entries.entry(child, resolve(layerDir + "/" + child));
                }
            }
            default -> throw new FsException(Errno.ENOTDIR, "node " + dir);
        }
    }

    @Override
    public String readlink(long node) throws FsException {
        if (slotOf(node) != 0) {
            return layerOf(node).readlink(localOf(node));
        }
        throw new FsException(Errno.EINVAL, "not a symlink");
    }

    @Override
    public byte[] xattr(long node, String attr) throws FsException {
        if (slotOf(node) != 0) {
            return layerOf(node).xattr(localOf(node), attr);
        }
        throw new FsException(Errno.ENODATA, attr);
    }

    @Override
    public List<String> xattrNames(long node) throws FsException {
        return slotOf(node) != 0 ? layerOf(node).xattrNames(localOf(node)) : List.of();
    }

    @Override
    public void checkOpen(long node, int flags) throws FsException {
        if (slotOf(node) != 0) {
            layerOf(node).checkOpen(localOf(node), flags);
            return;
        }
        StoreNode n = own(node);
        if (n.kind() != Kind.INFO && n.kind() != Kind.BLOB) {
            throw new FsException(Errno.EISDIR, "node " + node);
        }
        if ((flags & 3) != 0) { // O_ACCMODE: anything but O_RDONLY
            throw new FsException(Errno.EROFS, "node " + node);
        }
    }

    @Override
    public int read(long node, long offset, int size, ReadTarget target) throws FsException {
        if (slotOf(node) != 0) {
            return layerOf(node).read(localOf(node), offset, size, target);
        }
        StoreNode n = own(node);
        if (n.kind() == Kind.INFO) {
            int from = (int) Math.min(offset, n.data().length);
            int len = Math.min(size, n.data().length - from);
            target.put(0, n.data(), from, len);
            return len;
        }
        if (n.kind() != Kind.BLOB) {
            throw new FsException(Errno.EISDIR, "node " + node);
        }
        StoreLayer l = layers.bySlot(n.slot());
        if (l == null) {
            throw new FsException(Errno.EIO, "blob of " + n.key() + " was released");
        }
        long blobSize = l.blobSize();
        int len = (int) Math.max(0, Math.min(Math.min(size, MAX_BLOB_READ), blobSize - offset));
        if (len == 0) {
            return 0;
        }
        try {
            // the compressed bytes as the registry has them (the digest containers/storage knows covers them all);
            // read through, not into the chunk cache, which holds uncompressed chunks
            byte[] bytes = l.blob().read(new ByteRange(offset, len));
            target.put(0, bytes, 0, bytes.length);
            return bytes.length;
        } catch (IOException e) {
            throw new FsException(Errno.EIO, n.key() + ": reading the blob at " + offset + ": " + e.getMessage(), e);
        }
    }

    @Override
    public FsStats statfs() {
        return new FsStats(4096, 0, 255);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void create(String path) throws FsException {
        String[] parts = path.substring(1).split("/", 4);
        if (parts.length == 3 && parts[2].equals("use")) {
            layers.use(key(parts));
            throw new FsException(Errno.ENOENT, path + " is counted, not made");
        }
        throw new FsException(Errno.EROFS, path);
    }

    @Override
    public void rmdir(String path) throws FsException {
        String[] parts = path.substring(1).split("/", 4);
        if (parts.length != 2) {
            throw new FsException(Errno.EROFS, path);
        }
        layers.release(key(parts));
        throw new FsException(Errno.ENOENT, path + " is released, not removed");
    }
}
