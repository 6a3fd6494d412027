package dev.estargz.fusefs.cache;

import dev.estargz.registry.Digest;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chunk files named by their sha256 under {@code chunks/xx/}, written to {@code tmp/} and renamed into place so
 * that a crash never leaves a torn file under a digest's name. The LRU order lives in memory and is rebuilt from
 * file modification times (touched on every disk hit) when the store is reopened.
 */
final class DiskStore {
    private static final Logger LOG = LoggerFactory.getLogger(DiskStore.class);

    private final Path chunks;
    private final Path tmp;
    private final long limit;
    private final boolean verify;
    private final LinkedHashMap<String, Long> lru = new LinkedHashMap<>(1024, 0.75f, true);
    private final AtomicLong loads = new AtomicLong();
    private long bytes;

    private DiskStore(Path root, long limit, boolean verify) {
        this.chunks = root.resolve("chunks");
        this.tmp = root.resolve("tmp");
        this.limit = limit;
        this.verify = verify;
    }

    static DiskStore open(Path root, long limit, boolean verify) throws IOException {
        DiskStore s = new DiskStore(root, limit, verify);
        Files.createDirectories(s.chunks);
        Files.createDirectories(s.tmp);
        s.load();
        return s;
    }

    private record Found(String key, long size, FileTime used) {
    }

    /** Drops leftovers of writes cut short, then indexes the chunk files, oldest use first. */
    private void load() throws IOException {
        try (DirectoryStream<Path> leftovers = Files.newDirectoryStream(tmp)) {
            for (Path p : leftovers) {
                Files.deleteIfExists(p);
            }
        }
        List<Found> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(chunks, 2)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                String name = p.getFileName().toString();
                if (name.length() != 64 || !isHex(name)) {
                    continue;
                }
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
                if (a.isRegularFile()) {
                    found.add(new Found(name, a.size(), a.lastModifiedTime()));
                }
            }
        }
        found.sort(Comparator.comparing(Found::used));
        synchronized (this) {
            for (Found f : found) {
                lru.put(f.key, f.size);
                bytes += f.size;
            }
        }
        evict();
    }

    private static boolean isHex(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }

    private Path pathOf(String key) {
        return chunks.resolve(key.substring(0, 2)).resolve(key);
    }

    synchronized boolean contains(String key) {
        return lru.containsKey(key);
    }

    /** Chunk files read so far. */
    long loads() {
        return loads.get();
    }

    /** The chunk's bytes, or null when absent or (with verification on) no longer matching its name. */
    byte[] get(String key) {
        synchronized (this) {
            if (lru.get(key) == null) { // get, not containsKey: it moves the entry to the recent end
                return null;
            }
        }
        Path p = pathOf(key);
        byte[] data;
        try {
            loads.incrementAndGet();
            data = Files.readAllBytes(p);
            Files.setLastModifiedTime(p, FileTime.fromMillis(System.currentTimeMillis()));
        } catch (NoSuchFileException gone) {
            forget(key);
            return null;
        } catch (IOException e) {
            LOG.warn("chunk cache: cannot read {}: {}", p, e.toString());
            return null;
        }
        if (verify && !HexFormat.of().formatHex(Digest.newSha256().digest(data)).equals(key)) {
            LOG.warn("chunk cache: {} does not match its digest (disk corruption?); removed", p);
            remove(key);
            return null;
        }
        return data;
    }

    /** Stores a verified chunk; a chunk already present is left as it is. */
    void put(String key, byte[] data) {
        if (data.length > limit) {
            return;
        }
        synchronized (this) {
            if (lru.containsKey(key)) {
                return;
            }
        }
        Path target = pathOf(key);
        Path t = null;
        try {
            Files.createDirectories(target.getParent());
            t = Files.createTempFile(tmp, key.substring(0, 8), ".part");
            try (OutputStream out = Files.newOutputStream(t)) {
                out.write(data);
            }
            try {
                Files.move(t, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(t, target, StandardCopyOption.REPLACE_EXISTING);
            }
            t = null;
        } catch (IOException e) {
            LOG.warn("chunk cache: cannot write {}: {}", target, e.toString());
            return;
        } finally {
            if (t != null) {
                try {
                    Files.deleteIfExists(t);
                } catch (IOException ignored) {
                    // tmp/ is emptied on the next open
                }
            }
        }
        synchronized (this) {
            if (lru.put(key, (long) data.length) == null) {
                bytes += data.length;
            }
        }
        evict();
    }

    private void evict() {
        List<String> victims = new ArrayList<>();
        synchronized (this) {
            Iterator<Map.Entry<String, Long>> it = lru.entrySet().iterator();
            while (bytes > limit && it.hasNext()) {
                Map.Entry<String, Long> e = it.next();
                bytes -= e.getValue();
                victims.add(e.getKey());
                it.remove();
            }
        }
        for (String v : victims) {
            try {
                Files.deleteIfExists(pathOf(v));
            } catch (IOException e) {
                LOG.warn("chunk cache: cannot evict {}: {}", v, e.toString());
            }
        }
    }

    private synchronized void forget(String key) {
        Long size = lru.remove(key);
        if (size != null) {
            bytes -= size;
        }
    }

    private void remove(String key) {
        forget(key);
        try {
            Files.deleteIfExists(pathOf(key));
        } catch (IOException e) {
            LOG.warn("chunk cache: cannot remove {}: {}", key, e.toString());
        }
    }

    synchronized long bytes() {
        return bytes;
    }

    synchronized int size() {
        return lru.size();
    }
}
