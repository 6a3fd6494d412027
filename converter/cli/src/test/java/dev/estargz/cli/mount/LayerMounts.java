package dev.estargz.cli.mount;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import dev.estargz.fusefs.cache.CacheOptions;
import dev.estargz.fusefs.cache.ChunkCache;
import dev.estargz.fusefs.fuse.FuseMount;
import dev.estargz.fusefs.fuse.MountTable;
import dev.estargz.fusefs.mount.FsOptions;
import dev.estargz.fusefs.mount.LayerMounter;
import dev.estargz.fusefs.mount.LayerSource;
import dev.estargz.fusefs.mount.MountedLayer;
import dev.estargz.registry.BlobSource;
import dev.estargz.registry.Digest;

/**
 * The mounts of one test class: a mounter with its own chunk cache under the test's private directory, and a
 * {@link #close()} that unmounts everything it mounted, then lazily unmounts whatever is still mounted below the
 * directory ({@code fusermount -u -z}), so that a failed test leaves no mount behind.
 */
final class LayerMounts implements AutoCloseable {
    private final Path dir;
    private final LayerMounter mounter;
    private final List<MountedLayer> mounted = new ArrayList<>();
    private final List<BlobSource> blobs = new ArrayList<>();

    LayerMounts(Path dir, FsOptions options) throws IOException {
        this.dir = dir.toAbsolutePath().normalize();
        this.mounter = new LayerMounter(ChunkCache.open(CacheOptions.onDisk(
                Files.createDirectories(this.dir.resolve("cache")))), options);
    }

    /**
     * Mounts the blob at a fresh directory {@code dir/name}, checking its TOC against {@code tocDigest}; the blob
     * is closed with the mounts, as background fetches may still read it after a test.
     */
    MountedLayer mount(String name, BlobSource blob, Digest layerDigest, Digest tocDigest) throws IOException {
        blobs.add(blob);
        Path at = Files.createDirectories(dir.resolve(name));
        MountedLayer m = mounter.mount(new LayerSource(blob, layerDigest, tocDigest), at);
        mounted.add(m);
        return m;
    }

    @Override
    public void close() {
        List<MountedLayer> all = new ArrayList<>(mounted);
        Collections.reverse(all);
        for (MountedLayer m : all) {
            try {
                m.close();
            } catch (IOException | RuntimeException e) {
                System.err.println("unmount " + m.mountPoint() + ": " + e);
            }
        }
        mounted.clear();
        try {
            for (MountTable.Entry e : MountTable.read()) {
                if (e.mountPoint().startsWith(dir) && e.fsType().startsWith("fuse")) {
                    FuseMount.forceUnmount(e.mountPoint());
                }
            }
        } catch (IOException e) {
            System.err.println("cleanup of mounts under " + dir + ": " + e);
        }
        for (BlobSource b : blobs) {
            try {
                b.close();
            } catch (IOException | RuntimeException e) {
                System.err.println("close " + b + ": " + e);
            }
        }
        blobs.clear();
    }
}
