package dev.estargz.fusefs.mount;

import dev.estargz.format.writer.ConvertOptions;
import dev.estargz.format.writer.ConvertResult;
import dev.estargz.format.writer.EStargzConverter;
import dev.estargz.fusefs.cache.CacheOptions;
import dev.estargz.fusefs.cache.ChunkCache;
import dev.estargz.registry.FileBlobSource;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes a tiny layer made on the spot through every step of a first lazy mount (TOC parse and verification, index
 * build, FUSE mount, lookups, a read of a verified chunk, unmount), so that the JVM has loaded and compiled that
 * code before containerd's first Prepare arrives. Without it the first layer of the first image pays about a second
 * of class loading and interpretation (jnr-fuse's bindings alone are generated on first use), which is most of
 * the difference to a Go daemon's pull time. Nothing of it outlives {@link #run}: its files live under a scratch
 * directory that is removed afterwards, and it uses a cache of its own.
 */
public final class WarmUp {
    private static final Logger LOG = LoggerFactory.getLogger(WarmUp.class);
    private static final int TOC_ENTRIES = 2000;
    private static final byte[] CONTENT = "warm-up\n".repeat(512).getBytes(StandardCharsets.UTF_8);

    private WarmUp() {
    }

    /** Starts {@link #run} on a daemon thread of low priority; mounts asked for meanwhile go ahead as usual. */
    public static Thread startInBackground(Path scratchParent, FsOptions options) {
        Thread t = new Thread(() -> run(scratchParent, options), "estargz-warm-up");
        t.setDaemon(true);
        t.setPriority(Thread.MIN_PRIORITY);
        t.start();
        return t;
    }

    /** Runs the warm-up under a new directory in {@code scratchParent}; failures are logged, never thrown. */
    public static void run(Path scratchParent, FsOptions options) {
        long t0 = System.nanoTime();
        Path dir = null;
        try {
            Files.createDirectories(scratchParent);
            dir = Files.createTempDirectory(scratchParent, "warm-up-");
            Path tar = dir.resolve("layer.tar");
            writeTar(tar);
            Path blob = dir.resolve("layer.esgz");
            ConvertResult converted = new EStargzConverter().convert(tar, blob, ConvertOptions.defaults()
                    .withThreads(1).withTempDir(dir));
            Path mnt = Files.createDirectory(dir.resolve("mnt"));
            LayerMounter mounter = new LayerMounter(ChunkCache.open(CacheOptions.memoryOnly(1 << 20)),
                    options.withNoBackgroundFetch(true));
            try (FileBlobSource source = FileBlobSource.open(blob);
                    MountedLayer layer = mounter.mount(new LayerSource(source, converted.blobDigest(),
                            converted.tocDigest()), mnt)) {
                try (Stream<Path> list = Files.list(mnt.resolve("etc"))) {
                    list.forEach(p -> p.getFileName());
                }
                if (!java.util.Arrays.equals(Files.readAllBytes(mnt.resolve("etc/warm-up")), CONTENT)) {
                    throw new IOException("the warm-up layer read back wrong bytes");
                }
                Files.readSymbolicLink(mnt.resolve("etc/link"));
            }
            LOG.info("warm-up took {} ms", (System.nanoTime() - t0) / 1_000_000);
        } catch (IOException | RuntimeException e) {
            LOG.info("warm-up skipped ({}); the first mount will be slower", e.toString());
        } finally {
            if (dir != null) {
                deleteQuietly(dir);
            }
        }
    }

    private static void writeTar(Path tar) throws IOException {
        try (OutputStream out = Files.newOutputStream(tar);
                TarArchiveOutputStream t = new TarArchiveOutputStream(out)) {
            TarArchiveEntry d = new TarArchiveEntry("etc/");
            t.putArchiveEntry(d);
            t.closeArchiveEntry();
            TarArchiveEntry f = new TarArchiveEntry("etc/warm-up");
            f.setSize(CONTENT.length);
            t.putArchiveEntry(f);
            t.write(CONTENT);
            t.closeArchiveEntry();
            // enough entries that the TOC parser and index builder get compiled, not only loaded
            for (int i = 0; i < TOC_ENTRIES; i++) {
                TarArchiveEntry e = new TarArchiveEntry("etc/many/" + i);
                e.setSize(1);
                t.putArchiveEntry(e);
                t.write('x');
                t.closeArchiveEntry();
            }
            TarArchiveEntry l = new TarArchiveEntry("etc/link", TarArchiveEntry.LF_SYMLINK);
            l.setLinkName("warm-up");
            t.putArchiveEntry(l);
            t.closeArchiveEntry();
        }
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            LOG.debug("removing {}: {}", dir, e.toString());
        }
    }
}
