package dev.estargz.cli.optimize;

import dev.estargz.fusefs.cache.CacheOptions;
import dev.estargz.fusefs.cache.ChunkCache;
import dev.estargz.fusefs.fetch.OnDemandEvents;
import dev.estargz.fusefs.mount.FsOptions;
import dev.estargz.fusefs.mount.LayerMounter;
import dev.estargz.fusefs.mount.LayerSource;
import dev.estargz.fusefs.mount.MountedLayer;
import dev.estargz.registry.BlobSource;
import dev.estargz.registry.Digest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * An image's root filesystem for profiling: each eStargz layer mounted with our FUSE filesystem (so every file
 * opened through it is recorded, with the layer that served it) and overlayfs over them with a scratch upper
 * directory, as containerd would stack them. Closing unmounts everything, overlay first.
 */
public final class ProfiledRootfs implements AutoCloseable {
    /** One layer to mount: its blob, digest and TOC digest (checked before anything is served). */
    public record Layer(BlobSource blob, Digest digest, Digest tocDigest) {
    }

    private final Path merged;
    private final List<MountedLayer> mounted;
    private boolean overlayMounted;

    private ProfiledRootfs(Path merged, List<MountedLayer> mounted) {
        this.merged = merged;
        this.mounted = mounted;
    }

    /**
     * Mounts {@code layers} (bottom first, as a manifest lists them) under {@code work} and the overlay at
     * {@code work/rootfs}, recording opened files into {@code record}.
     */
    public static ProfiledRootfs mount(List<Layer> layers, Path work, AccessRecord record) throws IOException {
        ChunkCache cache = ChunkCache.open(CacheOptions.memoryOnly(64L << 20));
        LayerMounter mounter = new LayerMounter(cache, FsOptions.defaults().withNoBackgroundFetch(true));
        List<MountedLayer> mounted = new ArrayList<>();
        ProfiledRootfs rootfs = new ProfiledRootfs(Files.createDirectories(work.resolve("rootfs")), mounted);
        try {
            for (int i = 0; i < layers.size(); i++) {
                Layer l = layers.get(i);
                int index = i;
                Path dir = Files.createDirectories(work.resolve("layers").resolve(Integer.toString(i)));
                mounted.add(mounter.mount(new LayerSource(l.blob(), l.digest(), l.tocDigest()), dir,
                        new OnDemandEvents() {
                            @Override
                            public void opened(Supplier<String> path) {
                                record.opened(index, path.get());
                            }
                        }));
            }
            StringBuilder lower = new StringBuilder();
            for (int i = mounted.size() - 1; i >= 0; i--) { // overlayfs lists the top layer first
                lower.append(lower.length() == 0 ? "" : ":").append(mounted.get(i).mountPoint());
            }
            Path upper = Files.createDirectories(work.resolve("upper"));
            Path scratch = Files.createDirectories(work.resolve("overlay-work"));
            Commands.run("mount", "-t", "overlay", "overlay", "-o", "lowerdir=" + lower + ",upperdir=" + upper
                    + ",workdir=" + scratch, rootfs.merged.toString());
            rootfs.overlayMounted = true;
            return rootfs;
        } catch (IOException | RuntimeException e) {
            rootfs.close();
            throw e;
        }
    }

    /** The merged root filesystem. */
    public Path path() {
        return merged;
    }

    @Override
    public synchronized void close() throws IOException {
        IOException first = null;
        if (overlayMounted) {
            try {
                Commands.run("umount", merged.toString());
                overlayMounted = false;
            } catch (IOException e) {
                first = e;
            }
        }
        for (int i = mounted.size() - 1; i >= 0; i--) {
            try {
                mounted.get(i).close();
            } catch (IOException e) {
                first = first == null ? e : first;
            }
        }
        mounted.clear();
        if (first != null) {
            throw first;
        }
    }
}
