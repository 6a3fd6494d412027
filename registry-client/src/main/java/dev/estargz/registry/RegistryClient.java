package dev.estargz.registry;

import dev.estargz.registry.RegistryException.Kind;
import dev.estargz.registry.blob.BlobDownload;
import dev.estargz.registry.blob.BlobTail;
import dev.estargz.registry.blob.RegistryBlobSource;
import dev.estargz.registry.http.Endpoint;
import dev.estargz.registry.http.RegistryRequest;
import dev.estargz.registry.http.RegistryTransport;
import dev.estargz.registry.manifest.Descriptor;
import dev.estargz.registry.manifest.ImageIndex;
import dev.estargz.registry.manifest.ImageManifest;
import dev.estargz.registry.manifest.ManifestCodec;
import dev.estargz.registry.manifest.ManifestDocument;
import dev.estargz.registry.manifest.MediaTypes;
import dev.estargz.registry.manifest.Platform;
import dev.estargz.registry.push.BlobPush;
import dev.estargz.registry.push.ManifestPush;
import dev.estargz.registry.push.PushOutcome;
import dev.estargz.registry.reference.ImageReference;
import okhttp3.Headers;
import okio.BufferedSource;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The registry client: resolve images to manifests and layers, read blobs whole or by range, push blobs and
 * manifests. Thread-safe; one instance per configuration, closed at shutdown to release its connections.
 */
public final class RegistryClient implements Closeable {
    /** Manifests larger than this are refused, as containerd does. */
    public static final int MAX_MANIFEST_BYTES = 4 << 20;

    private final RegistryConfig config;
    private final RegistryTransport transport;
    private final BlobDownload download;
    private final BlobPush blobPush;
    private final ManifestPush manifestPush;

    private RegistryClient(RegistryConfig config, Clock clock) {
        this.config = config;
        this.transport = new RegistryTransport(config, clock);
        this.download = new BlobDownload(transport, config);
        this.blobPush = new BlobPush(transport, config);
        this.manifestPush = new ManifestPush(transport);
    }

    public static RegistryClient create(RegistryConfig config) {
        return new RegistryClient(config, Clock.systemUTC());
    }

    /** As {@link #create(RegistryConfig)}, with the clock that decides token expiry. */
    public static RegistryClient create(RegistryConfig config, Clock clock) {
        return new RegistryClient(config, clock);
    }

    public RegistryConfig config() {
        return config;
    }

    /**
     * Fetches the manifest or index {@code ref} names (its digest if it has one, else its tag), verified against
     * the reference's digest or else the registry's {@code Docker-Content-Digest}.
     */
    public FetchedManifest fetchManifest(ImageReference ref) throws IOException {
        return transport.firstAnswering(transport.pullEndpoints(ref), ep -> fetchManifest(ep, ref));
    }

    private FetchedManifest fetchManifest(Endpoint ep, ImageReference ref) throws IOException {
        RegistryRequest req = RegistryRequest.get(ep.url(ref.repository() + "/manifests/" + ref.manifestReference()),
                Headers.of("Accept", MediaTypes.MANIFEST_ACCEPT), List.of(pullScope(ref)), ref.toString(),
                ref.digest() == null ? null : ref.digest().toString());
        return transport.call(ep, req, r -> {
            if (r.code() != 200) {
                throw transport.error(ep, req, r);
            }
            BufferedSource src = r.body().source();
            if (src.request(MAX_MANIFEST_BYTES + 1L)) {
                throw new RegistryException(Kind.INVALID_RESPONSE, "manifest larger than " + MAX_MANIFEST_BYTES
                        + " bytes", ref.toString(), ep.host(), null, null, 200, null);
            }
            byte[] bytes = src.readByteArray();
            Digest actual = Digest.sha256(bytes);
            Digest expected = ref.digest();
            String served = r.header("Docker-Content-Digest");
            if (expected == null && served != null && served.startsWith("sha256:")) {
                expected = Digest.parse(served);
            }
            if (expected != null && !expected.matches(bytes)) {
                throw new RegistryException(Kind.DIGEST_MISMATCH, "manifest hashes to " + actual, ref.toString(),
                        ep.host(), expected.toString(), null, 200, null);
            }
            ManifestDocument doc;
            try {
                doc = ManifestCodec.parse(bytes, r.header("Content-Type"));
            } catch (IllegalArgumentException e) {
                throw new RegistryException(Kind.INVALID_RESPONSE, e.getMessage(), ref.toString(), ep.host(),
                        actual.toString(), null, 200, e);
            }
            return new FetchedManifest(expected != null ? expected : actual, doc.mediaType(), bytes, doc);
        });
    }

    /**
     * Resolves {@code ref} to one image: an index or manifest list is narrowed to the first entry for
     * {@code platform}; a plain manifest is taken as it is.
     *
     * @throws RegistryException NOT_FOUND when the index has no image for {@code platform} (the message lists
     *                           what it has)
     */
    public ResolvedImage resolve(ImageReference ref, Platform platform) throws IOException {
        FetchedManifest top = fetchManifest(ref);
        if (top.document() instanceof ImageManifest) {
            return new ResolvedImage(ref, ref.withDigest(top.digest()), top, Optional.empty());
        }
        ImageIndex index = (ImageIndex) top.document();
        Descriptor chosen = index.select(platform).orElseThrow(() -> new RegistryException(Kind.NOT_FOUND,
                "no image for platform " + platform + " in index (has: " + index.manifests().stream()
                        .map(d -> String.valueOf(d.platform())).collect(Collectors.joining(", ")) + ")",
                ref.toString(), ref.registry(), top.digest().toString(), null, 0, null));
        ImageReference pinned = ref.withDigest(chosen.digest());
        FetchedManifest m = fetchManifest(pinned);
        if (!(m.document() instanceof ImageManifest)) {
            throw new RegistryException(Kind.INVALID_RESPONSE, "index entry for " + platform + " is not an image manifest",
                    pinned.toString(), ref.registry(), chosen.digest().toString(), null, 0, null);
        }
        return new ResolvedImage(ref, pinned, m, Optional.of(top));
    }

    /** The layers of {@code ref}'s image for {@code platform}, bottom first. */
    public List<Descriptor> layers(ImageReference ref, Platform platform) throws IOException {
        return resolve(ref, platform).layers();
    }

    /** A blob's size from HEAD (falling back to a 1-byte range GET), or empty when the repository lacks it. */
    public Optional<Long> blobSize(ImageReference repo, Digest digest) throws IOException {
        try {
            return Optional.of(transport.firstAnswering(transport.pullEndpoints(repo), ep -> headSize(ep, repo, digest)));
        } catch (RegistryException e) {
            if (e.kind() == Kind.NOT_FOUND) {
                return Optional.empty();
            }
            throw e;
        }
    }

    private long headSize(Endpoint ep, ImageReference repo, Digest digest) throws IOException {
        String ref = repo.registry() + "/" + repo.repository() + "@" + digest;
        RegistryRequest head = new RegistryRequest("HEAD", ep.url(repo.repository() + "/blobs/" + digest), null,
                null, List.of(pullScope(repo)), true, false, ref, digest.toString());
        long size = transport.call(ep, head, r -> {
            if (r.code() != 200) {
                throw transport.error(ep, head, r);
            }
            String len = r.header("Content-Length");
            return len == null ? -1L : Long.parseLong(len);
        });
        if (size >= 0) {
            return size;
        }
        // Some registries answer HEAD without a length; a 1-byte range reveals it in Content-Range.
        RegistryRequest get = RegistryRequest.get(head.url(), Headers.of("Range", "bytes=0-0"), head.scopes(), ref,
                digest.toString());
        return transport.call(ep, get, r -> {
            String cr = r.header("Content-Range");
            if (r.code() == 206 && cr != null && cr.contains("/")) {
                return Long.parseLong(cr.substring(cr.indexOf('/') + 1).trim());
            }
            throw new RegistryException(Kind.INVALID_RESPONSE, "cannot learn the blob size", ref, ep.host(),
                    digest.toString(), null, r.code(), null);
        });
    }

    /** Random access to a layer (or any blob) of {@code repo}, sized by its descriptor. */
    public RegistryBlobSource openBlob(ImageReference repo, Descriptor blob) {
        return new RegistryBlobSource(transport, transport.pullEndpoints(repo), repo, blob.digest(), blob.size(), config);
    }

    /** Random access to blob {@code digest} of {@code repo}, sized by a HEAD request. */
    public RegistryBlobSource openBlob(ImageReference repo, Digest digest) throws IOException {
        long size = blobSize(repo, digest).orElseThrow(() -> new RegistryException(Kind.NOT_FOUND, "blob",
                repo.toString(), repo.registry(), digest.toString(), null, 404, null));
        return new RegistryBlobSource(transport, transport.pullEndpoints(repo), repo, digest, size, config);
    }

    /**
     * Random access to blob {@code digest} of {@code repo} with its last {@code tailLength} bytes already read, by
     * one suffix-range GET that also sizes the blob; by HEAD and a range read where the registry's answer to that
     * does not give the size.
     */
    public OpenedBlobTail openBlobTail(ImageReference repo, Digest digest, int tailLength) throws IOException {
        List<Endpoint> endpoints = transport.pullEndpoints(repo);
        Optional<BlobTail> tail = BlobTail.fetch(transport, endpoints, repo, digest, pullScope(repo), tailLength);
        if (tail.isPresent()) {
            return new OpenedBlobTail(new RegistryBlobSource(transport, endpoints, repo, digest,
                    tail.get().blobSize(), config), tail.get());
        }
        RegistryBlobSource blob = openBlob(repo, digest);
        long offset = Math.max(0, blob.size() - tailLength);
        return new OpenedBlobTail(blob, new BlobTail(blob.size(), offset,
                blob.read(new ByteRange(offset, blob.size() - offset))));
    }

    /** A blob opened for random access with its end read. */
    public record OpenedBlobTail(RegistryBlobSource blob, BlobTail tail) {
    }

    /** A small blob (e.g. an image config) read whole and verified; refuses blobs over 64 MiB. */
    public byte[] fetchBlob(ImageReference repo, Descriptor blob) throws IOException {
        if (blob.size() > 64 << 20) {
            throw new IOException("blob " + blob.digest() + " of " + blob.size() + " bytes is too large to hold in memory");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) blob.size());
        download.download(transport.pullEndpoints(repo), repo, blob.digest(), blob.size(), out);
        return out.toByteArray();
    }

    /**
     * Streams a blob to {@code out}, verified against its digest, resuming broken transfers by range. On failure
     * {@code out} holds partial or unverified bytes: prefer {@link #downloadBlob(ImageReference, Descriptor, Path)}.
     */
    public long streamBlob(ImageReference repo, Digest digest, long size, OutputStream out) throws IOException {
        return download.download(transport.pullEndpoints(repo), repo, digest, size, out);
    }

    /** Downloads a blob to {@code target}, which appears only once the content is verified. */
    public long downloadBlob(ImageReference repo, Descriptor blob, Path target) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Path tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".partial");
        try {
            long n;
            try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
                n = download.download(transport.pullEndpoints(repo), repo, blob.digest(), blob.size(), out);
            }
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return n;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Makes blob {@code digest} present in {@code target}'s repository: nothing if it is there, a mount if
     * {@code mountFrom} (a repository on the same registry) has it, else an upload of {@code content}.
     */
    public PushOutcome pushBlob(ImageReference target, Digest digest, BlobSource content, String mountFrom)
            throws IOException {
        return blobPush.push(target, digest, content, mountFrom);
    }

    /** True when {@code repo} holds blob {@code digest} (asks the upstream registry, never a mirror). */
    public boolean blobExists(ImageReference repo, Digest digest) throws IOException {
        Endpoint ep = transport.pushEndpoint(repo);
        return blobPush.exists(ep, repo.repository(), digest, List.of(pullScope(repo)),
                repo.registry() + "/" + repo.repository() + "@" + digest);
    }

    /** Pushes raw manifest or index bytes with {@code mediaType} under {@code target}'s tag (or digest). */
    public Digest pushManifest(ImageReference target, byte[] manifest, String mediaType) throws IOException {
        return manifestPush.push(target, manifest, mediaType);
    }

    /** Serialises and pushes an image manifest. */
    public Digest pushManifest(ImageReference target, ImageManifest manifest) throws IOException {
        return manifestPush.push(target, ManifestCodec.toJson(manifest), manifest.mediaType());
    }

    /** Serialises and pushes an index or manifest list; its manifests must be pushed first. */
    public Digest pushIndex(ImageReference target, ImageIndex index) throws IOException {
        return manifestPush.push(target, ManifestCodec.toJson(index), index.mediaType());
    }

    private static String pullScope(ImageReference ref) {
        return "repository:" + ref.repository() + ":pull";
    }

    /** Releases pooled connections and OkHttp's threads. */
    @Override
    public void close() {
        transport.close();
    }
}
