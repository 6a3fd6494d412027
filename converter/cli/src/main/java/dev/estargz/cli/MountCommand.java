package dev.estargz.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;

import dev.estargz.fusefs.cache.CacheOptions;
import dev.estargz.fusefs.cache.ChunkCache;
import dev.estargz.fusefs.mount.ForegroundMount;
import dev.estargz.fusefs.mount.FsOptions;
import dev.estargz.fusefs.mount.LayerMounter;
import dev.estargz.fusefs.mount.LayerSource;
import dev.estargz.registry.BlobSource;
import dev.estargz.registry.Digest;
import dev.estargz.registry.FileBlobSource;
import dev.estargz.registry.RegistryClient;
import dev.estargz.registry.manifest.Descriptor;
import dev.estargz.registry.manifest.Platform;
import dev.estargz.registry.reference.ImageReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code estargz mount SRC DIR}: serves one eStargz layer lazily at a directory until Ctrl-C. */
@Command(name = "mount", mixinStandardHelpOptions = true,
        description = {"Mount one eStargz layer read-only at DIR with FUSE, fetching it lazily, for debugging a layer.",
                "SRC is a local blob file, or an image reference with --layer naming the layer's digest.",
                "Runs until Ctrl-C, SIGTERM or fusermount -u; stale mounts left at DIR by a crash are removed first."})
final class MountCommand implements Callable<Integer> {
    private static final String TOC_DIGEST_ANNOTATION = "containerd.io/snapshot/stargz/toc.digest";

    @Parameters(index = "0", paramLabel = "SRC", description = "A local eStargz blob, or an image reference.")
    String source;

    @Parameters(index = "1", paramLabel = "DIR", description = "An existing directory to mount at.")
    Path dir;

    @Option(names = "--layer", paramLabel = "DIGEST", converter = DigestConverter.class,
            description = "The layer of the image to mount (required for an image reference).")
    Digest layer;

    @Option(names = "--toc-digest", paramLabel = "DIGEST", converter = DigestConverter.class,
            description = "Expected TOC digest; for an image it defaults to the layer's toc.digest annotation.")
    Digest tocDigest;

    @Option(names = "--platform", paramLabel = "OS/ARCH", description = "Platform to pick from an index.")
    String platform;

    @picocli.CommandLine.Mixin
    RegistryOptions registry = new RegistryOptions();

    @Option(names = "--cache-dir", paramLabel = "DIR", description = "Chunk cache directory (default: "
            + "~/.cache/estargz/chunks).")
    Path cacheDir;

    @Option(names = "--prefetch-size", paramLabel = "BYTES", description = "Prefetch when the layer has no landmark.")
    long prefetchSize;

    @Option(names = "--no-prefetch", description = "Prefetch nothing.")
    boolean noPrefetch;

    @Option(names = "--no-background-fetch", description = "Do not fetch the rest of the layer in the background.")
    boolean noBackgroundFetch;

    @Option(names = "--fetch-timeout", paramLabel = "SECONDS", description = "Longest wait for the registry before "
            + "a read fails with EIO (default 30).")
    long fetchTimeoutSeconds = 30;

    @Override
    public Integer call() throws Exception {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("mount point " + dir + " is not a directory");
        }
        Path cache = cacheDir != null ? cacheDir
                : Path.of(System.getProperty("user.home"), ".cache", "estargz", "chunks");
        FsOptions options = FsOptions.defaults().withPrefetchSize(prefetchSize).withNoPrefetch(noPrefetch)
                .withNoBackgroundFetch(noBackgroundFetch).withFetchTimeout(Duration.ofSeconds(fetchTimeoutSeconds));
        LayerMounter mounter = new LayerMounter(ChunkCache.open(CacheOptions.onDisk(cache)), options);
        Path file = Path.of(source);
        if (Files.isRegularFile(file)) {
            try (FileBlobSource blob = FileBlobSource.open(file)) {
                Digest digest = layer != null ? layer : sha256Of(file);
                if (tocDigest == null) {
                    System.err.println("estargz mount: no --toc-digest given; the TOC of " + file
                            + " is used unverified (each chunk is still checked against the digest the TOC gives)");
                }
                ForegroundMount.run(mounter, new LayerSource(blob, digest, tocDigest), dir, System.out);
            }
            return ExitCodes.OK;
        }
        if (layer == null) {
            throw new IllegalArgumentException(source + " is not a file; for an image reference pass --layer DIGEST");
        }
        ImageReference ref = ImageReference.parse(source);
        try (RegistryClient client = registry.client()) {
            Platform p = platform != null ? Platform.parse(platform) : Platform.current();
            Descriptor d = client.layers(ref, p).stream().filter(l -> l.digest().equals(layer)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException(ref + " has no layer " + layer));
            Digest toc = tocDigest;
            if (toc == null && d.annotations().containsKey(TOC_DIGEST_ANNOTATION)) {
                toc = Digest.parse(d.annotations().get(TOC_DIGEST_ANNOTATION));
            }
            if (toc == null) {
                throw new IllegalArgumentException("layer " + layer + " of " + ref + " has no " + TOC_DIGEST_ANNOTATION
                        + " annotation; pass --toc-digest");
            }
            try (BlobSource blob = client.openBlob(ref, d)) {
                ForegroundMount.run(mounter, new LayerSource(blob, layer, toc), dir, System.out);
            }
        }
        return ExitCodes.OK;
    }

    private static Digest sha256Of(Path file) throws java.io.IOException {
        java.security.MessageDigest md = Digest.newSha256();
        try (java.io.InputStream in = new java.security.DigestInputStream(Files.newInputStream(file), md)) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
        }
        return Digest.ofSha256(md.digest());
    }
}
