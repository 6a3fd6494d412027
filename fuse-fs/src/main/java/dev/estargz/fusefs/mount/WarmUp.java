package dev.estargz.fusefs.mount;

import dev.estargz.format.footer.Footers;
import dev.estargz.format.reader.EStargzReader;
import dev.estargz.format.reader.ReaderOptions;
import dev.estargz.format.writer.ConvertOptions;
import dev.estargz.format.writer.ConvertResult;
import dev.estargz.format.writer.EStargzConverter;
import dev.estargz.fusefs.cache.CacheOptions;
import dev.estargz.fusefs.cache.ChunkCache;
import dev.estargz.fusefs.fuse.FuseMount;
import dev.estargz.fusefs.fuse.MountTable;
import dev.estargz.fusefs.index.LayerIndex;
import dev.estargz.registry.ByteRange;
import dev.estargz.registry.Digest;
import dev.estargz.registry.FileBlobSource;
import dev.estargz.registry.RegistryClient;
import dev.estargz.registry.RegistryConfig;
import dev.estargz.registry.blob.RegistryBlobSource;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes a layer made on the spot through every step of a first lazy mount (TOC parse and verification, index
 * build, FUSE mount, lookups, a read of a verified chunk, unmount), so that the JVM has loaded and compiled that
 * code before containerd's first Prepare arrives. Without it the first layer of the first image pays about a second
 * of class loading and interpretation (jnr-fuse's bindings alone are generated on first use), which is most of
 * the difference to a Go daemon's pull time. Nothing of it outlives {@link #run}: its files live under a scratch
 * directory that is removed afterwards, and it uses a cache of its own.
 *
 * <p>The layer is shaped like a distribution's root filesystem (nested directories, long names, symlinks, hard
 * links, xattrs, whiteouts, files of several chunks) and its TOC is parsed and indexed {@value #OPEN_PASSES} times
 * before the mount: the JIT compiles what it has seen run, so a flat directory of tiny files left the paths of a
 * real TOC interpreted. Measured on a debootstrap minbase layer (6780 entries), the first open and index after a
 * flat 2000-entry warm-up took 200-415 ms; after this one 80-110 ms (steady state: 26 ms).
 */
public final class WarmUp {
    private static final Logger LOG = LoggerFactory.getLogger(WarmUp.class);
    private static final int PACKAGES = 24;
    private static final int DIRS_PER_PACKAGE = 6;
    private static final int FILES_PER_DIR = 50;
    private static final int OPEN_PASSES = 2;
    /**
     * Scratch directories are {@code warm-up-<pid>-<random>} ({@link ScratchDirectories}); other warm-ups that name
     * theirs with this prefix under the same parent have them cleaned up here when they were killed midway.
     */
    public static final String DIR_PREFIX = "warm-up-";
    /** Suffix read of a resolve: the footer and the end of the TOC, as the snapshotter's. */
    private static final int TAIL_LENGTH = ReaderOptions.DEFAULT_TAIL_SIZE + Footers.MAX_SIZE;
    private static final int RANGE_READS = 100;
    /** 20 MiB of chunk digests: ~150 ms of the warm-up thread. */
    private static final int DIGEST_CALLS = 5000;
    private static final byte[] CONTENT = "warm-up\n".repeat(512).getBytes(StandardCharsets.UTF_8);

    private WarmUp() {
    }

    /**
     * Starts {@link #run} on a daemon thread of low priority, then {@code then} on the same thread (e.g. giving back
     * the heap the warm-up took); mounts asked for meanwhile go ahead as usual.
     */
    public static Thread startInBackground(Path scratchParent, FsOptions options, Runnable then) {
        Thread t = new Thread(() -> {
            run(scratchParent, options);
            then.run();
        }, "estargz-warm-up");
        t.setDaemon(true);
        t.setPriority(Thread.MIN_PRIORITY);
        t.start();
        return t;
    }

    /** Runs the warm-up under a new directory in {@code scratchParent}; failures are logged, never thrown. */
    public static void run(Path scratchParent, FsOptions options) {
        long t0 = System.nanoTime();
        try {
            runOrThrow(scratchParent, options);
            LOG.info("warm-up took {} ms", (System.nanoTime() - t0) / 1_000_000);
        } catch (IOException | RuntimeException e) {
            LOG.info("warm-up skipped ({}); the first mount will be slower", e.toString());
        }
    }

    /** {@link #run}, failing instead of logging; the scratch directory is gone afterwards either way. */
    static void runOrThrow(Path scratchParent, FsOptions options) throws IOException {
        Path dir = null;
        try {
            Files.createDirectories(scratchParent);
            removeLeftovers(scratchParent);
            dir = ScratchDirectories.create(scratchParent, DIR_PREFIX);
            Path tar = dir.resolve("layer.tar");
            writeTar(tar);
            Path blob = dir.resolve("layer.esgz");
            // small chunks so that files of several chunks occur; level 1 because only the TOC's shape matters
            ConvertResult converted = new EStargzConverter().convert(tar, blob, ConvertOptions.defaults()
                    .withThreads(1).withTempDir(dir).withChunkSize(4096).withCompressionLevel(1));
            for (int i = 0; i < OPEN_PASSES; i++) {
                try (FileBlobSource source = FileBlobSource.open(blob)) {
                    EStargzReader reader = EStargzReader.open(source, ReaderOptions.defaults());
                    reader.verifyToc(converted.tocDigest());
                    LayerIndex.build(reader, options.opaque());
                }
            }
            Path mnt = Files.createDirectory(dir.resolve("mnt"));
            LayerMounter mounter = new LayerMounter(ChunkCache.open(CacheOptions.memoryOnly(1 << 20)),
                    options.withNoBackgroundFetch(true));
            // the mount reads its layer from a registry on loopback, through the registry client, as a pull does
            try (WarmUpRegistry registry = WarmUpRegistry.serve(blob, converted.blobDigest());
                    RegistryClient client = RegistryClient.create(RegistryConfig.builder().build())) {
                RegistryBlobSource remote = client.openBlobTail(registry.repository(), converted.blobDigest(),
                        TAIL_LENGTH).blob();
                try (MountedLayer layer = mounter.mount(new LayerSource(remote, converted.blobDigest(),
                        converted.tocDigest()), mnt)) {
                    readThroughTheMount(mnt);
                }
                // as many range reads as a container's start makes, spread over the blob
                long span = remote.size() - 4096;
                for (int i = 0; i < RANGE_READS; i++) {
                    remote.read(new ByteRange(i * 7919L * 97 % span, 1024 + i * 31));
                }
            }
            warmUpChunkDigests();
        } finally {
            if (dir != null) {
                ScratchDirectories.delete(dir);
            }
        }
    }

    /**
     * The scratch directories of warm-ups whose process was killed ({@code warm-up-<pid>-*}, the pid gone): their
     * mounts are unmounted (the server is gone) and the directories deleted. Those of running warm-ups stay.
     */
    private static void removeLeftovers(Path scratchParent) throws IOException {
        FuseMount.removeStaleMounts(scratchParent);
        for (Path d : ScratchDirectories.ofDeadProcesses(scratchParent, DIR_PREFIX)) {
            if (MountTable.read().stream().noneMatch(m -> m.mountPoint().startsWith(d.toAbsolutePath()))) {
                ScratchDirectories.delete(d);
            }
        }
    }

    /**
     * Lists, reads and follows a link on the mount from a child process, never from this one: a process killed while
     * one of its own threads has a file open on a FUSE mount it serves never exits (closing that file at exit sends
     * FUSE a flush no thread is left to answer; seen as a {@code kill -9} daemon stuck in {@code fuse_flush}, its
     * socket still open, and containerd's calls to it hanging). The child's file dies with the connection instead.
     */
    private static void readThroughTheMount(Path mnt) throws IOException {
        Process p = new ProcessBuilder("sh", "-c", "ls etc > /dev/null && readlink etc/link > /dev/null && cat etc/warm-up")
                .directory(mnt.toFile()).redirectErrorStream(true).start();
        byte[] out;
        try (var in = p.getInputStream()) {
            out = in.readNBytes(CONTENT.length + 1);
        }
        try {
            if (!p.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("reading the warm-up mount took over 20 s");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while reading the warm-up mount");
        }
        if (p.exitValue() != 0 || !java.util.Arrays.equals(out, CONTENT)) {
            throw new IOException("the warm-up layer read back wrong bytes (exit " + p.exitValue() + ")");
        }
    }

    /**
     * Hashes {@value #DIGEST_CALLS} chunks of 4 KiB, as a layer's verification would. SHA-256 uses the CPU's SHA
     * instructions only once C2 has compiled the JDK's digest loop, which a few hundred small chunks do not bring
     * about: after the layer above, a container's first read of a 2 MiB library waited ~45 ms for its digest
     * instead of ~1.5, and 100 chunks of 4 KiB took 5 ms instead of 0.4 (a plain JVM with the launchers' flags).
     */
    private static void warmUpChunkDigests() {
        byte[] chunk = new byte[4096];
        for (int i = 0; i < DIGEST_CALLS; i++) {
            chunk[i % chunk.length] = (byte) i;
            Digest.newSha256().digest(chunk);
        }
    }

    /**
     * A root filesystem in miniature: {@code etc/warm-up} (read back after the mount), {@code etc/link}, and
     * packages of nested directories whose files are of every kind a TOC holds.
     */
    private static void writeTar(Path tar) throws IOException {
        try (OutputStream out = Files.newOutputStream(tar);
                TarArchiveOutputStream t = new TarArchiveOutputStream(out)) {
            t.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            directory(t, "etc/");
            regular(t, "etc/warm-up", CONTENT);
            link(t, "etc/link", TarArchiveEntry.LF_SYMLINK, "warm-up");
            directory(t, "etc/opaque/");
            regular(t, "etc/opaque/.wh..wh..opq", new byte[0]);
            regular(t, "etc/.wh.removed", new byte[0]);
            directory(t, "usr/");
            directory(t, "usr/share/");
            byte[] small = new byte[100];
            byte[] chunked = new byte[3 * 4096 + 100];
            for (int i = 0; i < chunked.length; i++) {
                chunked[i] = (byte) (i * 31);
            }
            for (int p = 0; p < PACKAGES; p++) {
                String pkg = "usr/share/package-" + p + "-common/";
                directory(t, pkg);
                for (int d = 0; d < DIRS_PER_PACKAGE; d++) {
                    String dir = pkg + "lib-x86_64-linux-gnu-" + d + "/";
                    directory(t, dir);
                    for (int f = 0; f < FILES_PER_DIR; f++) {
                        String name = dir + "libexample-" + f + ".so." + d + "." + p;
                        switch (f % 8) {
                            case 0 -> regular(t, name, chunked);
                            case 1 -> regular(t, name, new byte[0]);
                            case 2 -> link(t, name, TarArchiveEntry.LF_SYMLINK,
                                    "libexample-" + (f - 1) + ".so." + d + "." + p);
                            case 3 -> link(t, name, TarArchiveEntry.LF_LINK,
                                    dir + "libexample-" + (f - 3) + ".so." + d + "." + p);
                            case 4 -> {
                                TarArchiveEntry x = entry(name, small.length);
                                x.addPaxHeader("SCHILY.xattr.user.warm-up", "value-" + f);
                                t.putArchiveEntry(x);
                                t.write(small);
                                t.closeArchiveEntry();
                            }
                            default -> regular(t, name, small);
                        }
                    }
                }
            }
        }
    }

    private static TarArchiveEntry entry(String name, long size) {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setSize(size);
        e.setIds(name.length() % 3, name.length() % 5);
        e.setUserName("root");
        e.setGroupName("root");
        return e;
    }

    private static void directory(TarArchiveOutputStream t, String name) throws IOException {
        t.putArchiveEntry(entry(name, 0));
        t.closeArchiveEntry();
    }

    private static void regular(TarArchiveOutputStream t, String name, byte[] content) throws IOException {
        t.putArchiveEntry(entry(name, content.length));
        t.write(content);
        t.closeArchiveEntry();
    }

    private static void link(TarArchiveOutputStream t, String name, byte type, String target) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name, type);
        e.setLinkName(target);
        t.putArchiveEntry(e);
        t.closeArchiveEntry();
    }
}
