package dev.estargz.registry.push;

import dev.estargz.registry.BlobSource;
import dev.estargz.registry.ByteRange;
import dev.estargz.registry.Digest;
import dev.estargz.registry.RegistryConfig;
import dev.estargz.registry.RegistryException;
import dev.estargz.registry.RegistryException.Kind;
import dev.estargz.registry.http.Endpoint;
import dev.estargz.registry.http.RegistryRequest;
import dev.estargz.registry.http.RegistryTransport;
import dev.estargz.registry.reference.ImageReference;
import okhttp3.Headers;
import okhttp3.HttpUrl;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Uploads a blob the way the distribution spec describes: HEAD first (skip when present), then a cross-repository
 * mount when a source repository is known, else an upload session, monolithic or in PATCH chunks. A failed upload
 * is restarted from a fresh session, since a half-written session cannot be trusted.
 */
public final class BlobPush {
    private static final Logger LOG = LoggerFactory.getLogger(BlobPush.class);

    private final RegistryTransport transport;
    private final RegistryConfig config;

    public BlobPush(RegistryTransport transport, RegistryConfig config) {
        this.transport = transport;
        this.config = config;
    }

    /**
     * Makes blob {@code digest} (the content of {@code content}) present in {@code target}'s repository.
     *
     * @param mountFrom another repository on the same registry that may hold the blob, or null
     */
    public PushOutcome push(ImageReference target, Digest digest, BlobSource content, String mountFrom)
            throws IOException {
        Endpoint ep = transport.pushEndpoint(target);
        String repo = target.repository();
        List<String> scopes = new ArrayList<>(List.of("repository:" + repo + ":pull,push"));
        if (mountFrom != null && !mountFrom.equals(repo)) {
            scopes.add("repository:" + mountFrom + ":pull");
        }
        String ref = target.registry() + "/" + repo + "@" + digest;
        if (exists(ep, repo, digest, scopes, ref)) {
            return PushOutcome.ALREADY_PRESENT;
        }
        for (int attempt = 0; ; attempt++) {
            try {
                return upload(ep, repo, digest, content, mountFrom, scopes, ref);
            } catch (RegistryException e) {
                boolean transientError = e.kind() == Kind.UNREACHABLE || e.kind() == Kind.SERVER_ERROR
                        || e.kind() == Kind.TOO_MANY_REQUESTS;
                if (!transientError || attempt >= config.maxRetries()) {
                    throw e;
                }
                LOG.info("upload of {} to {} failed ({}); starting a new upload session", digest, ep.host(),
                        e.getMessage());
            }
        }
    }

    /** True when {@code repo} already holds {@code digest}. */
    public boolean exists(Endpoint ep, String repo, Digest digest, List<String> scopes, String ref) throws IOException {
        RegistryRequest head = new RegistryRequest("HEAD", ep.url(repo + "/blobs/" + digest), null, null, scopes,
                true, false, ref, digest.toString());
        return transport.call(ep, head, r -> {
            if (r.code() == 200) {
                return true;
            }
            if (r.code() == 404) {
                return false;
            }
            throw transport.error(ep, head, r);
        });
    }

    private PushOutcome upload(Endpoint ep, String repo, Digest digest, BlobSource content, String mountFrom,
                               List<String> scopes, String ref) throws IOException {
        HttpUrl start = ep.url(repo + "/blobs/uploads/");
        if (mountFrom != null && !mountFrom.equals(repo)) {
            start = start.newBuilder().addQueryParameter("mount", digest.toString())
                    .addQueryParameter("from", mountFrom).build();
        }
        RegistryRequest post = new RegistryRequest("POST", start, null, RequestBody.create(new byte[0]), scopes,
                true, false, ref, digest.toString());
        HttpUrl[] location = new HttpUrl[1];
        boolean mounted = transport.call(ep, post, r -> {
            if (r.code() == 201) {
                return true;
            }
            if (r.code() == 202) {
                location[0] = location(ep, post, r);
                return false;
            }
            throw transport.error(ep, post, r);
        });
        if (mounted) {
            return PushOutcome.MOUNTED;
        }
        long size = content.size();
        HttpUrl url = location[0];
        long chunk = config.chunkedUploadSize();
        RequestBody finalBody = RequestBody.create(new byte[0]);
        if (chunk > 0 && size > chunk) {
            for (long off = 0; off < size; off += chunk) {
                ByteRange slice = new ByteRange(off, Math.min(chunk, size - off));
                RegistryRequest patch = new RegistryRequest("PATCH", url,
                        Headers.of("Content-Range", slice.offset() + "-" + (slice.end() - 1)),
                        new BlobBody(content, slice), scopes, false, true, ref, digest.toString());
                url = transport.call(ep, patch, r -> {
                    if (r.code() != 202) {
                        throw transport.error(ep, patch, r);
                    }
                    return location(ep, patch, r);
                });
            }
        } else {
            finalBody = new BlobBody(content, new ByteRange(0, size));
        }
        RegistryRequest put = new RegistryRequest("PUT", url.newBuilder().addQueryParameter("digest",
                digest.toString()).build(), null, finalBody, scopes, false, true, ref, digest.toString());
        transport.call(ep, put, r -> {
            if (r.code() != 201 && r.code() != 204) {
                throw transport.error(ep, put, r);
            }
            String echoed = r.header("Docker-Content-Digest");
            if (echoed != null && !echoed.equals(digest.toString())) {
                throw new RegistryException(Kind.DIGEST_MISMATCH, "registry stored the upload as " + echoed, ref,
                        ep.host(), digest.toString(), null, r.code(), null);
            }
            return null;
        });
        return PushOutcome.UPLOADED;
    }

    private HttpUrl location(Endpoint ep, RegistryRequest req, Response r) throws RegistryException {
        String loc = r.header("Location");
        HttpUrl u = loc == null ? null : r.request().url().resolve(loc);
        if (u == null) {
            throw new RegistryException(Kind.INVALID_RESPONSE, "upload answer " + r.code() + " without a valid Location",
                    req.reference(), ep.host(), req.digest(), null, r.code(), null);
        }
        return u;
    }
}
