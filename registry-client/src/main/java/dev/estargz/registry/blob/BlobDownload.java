package dev.estargz.registry.blob;

import dev.estargz.registry.Digest;
import dev.estargz.registry.RegistryConfig;
import dev.estargz.registry.RegistryException;
import dev.estargz.registry.RegistryException.Kind;
import dev.estargz.registry.http.Endpoint;
import dev.estargz.registry.http.RegistryRequest;
import dev.estargz.registry.http.RegistryTransport;
import dev.estargz.registry.reference.ImageReference;
import okhttp3.Headers;
import okhttp3.Response;
import okio.BufferedSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.util.List;

/**
 * Streams a whole blob, hashing as it goes; when the connection breaks mid-body it resumes with
 * {@code Range: bytes=N-} instead of starting over. The caller must discard the output unless this returns
 * normally: the digest is only known to match at the end.
 */
public final class BlobDownload {
    private static final Logger LOG = LoggerFactory.getLogger(BlobDownload.class);

    private final RegistryTransport transport;
    private final RegistryConfig config;

    public BlobDownload(RegistryTransport transport, RegistryConfig config) {
        this.transport = transport;
        this.config = config;
    }

    /**
     * Writes blob {@code digest} of {@code repository} to {@code out}.
     *
     * @param expectedSize the size from the descriptor, or -1 if unknown
     * @return the number of bytes written
     * @throws RegistryException DIGEST_MISMATCH when the bytes do not hash to {@code digest}
     */
    public long download(List<Endpoint> endpoints, ImageReference repository, Digest digest, long expectedSize,
                         OutputStream out) throws IOException {
        return transport.firstAnswering(endpoints, ep -> downloadFrom(ep, repository, digest, expectedSize, out));
    }

    private long downloadFrom(Endpoint ep, ImageReference repository, Digest digest, long expectedSize,
                              OutputStream out) throws IOException {
        MessageDigest hasher = digest.newHasher();
        long[] written = {0};
        long[] total = {expectedSize};
        int failuresWithoutProgress = 0;
        String ref = repository.registry() + "/" + repository.repository() + "@" + digest;
        while (true) {
            long before = written[0];
            Headers h = written[0] == 0 ? Headers.of() : Headers.of("Range", "bytes=" + written[0] + "-");
            RegistryRequest req = new RegistryRequest("GET", ep.url(repository.repository() + "/blobs/" + digest), h,
                    null, List.of("repository:" + repository.repository() + ":pull"), true, true, ref,
                    digest.toString());
            IOException broken = transport.call(ep, req, r -> stream(ep, req, r, hasher, written, total, out));
            if (broken == null) {
                break;
            }
            failuresWithoutProgress = written[0] > before ? 0 : failuresWithoutProgress + 1;
            if (failuresWithoutProgress > config.maxRetries()) {
                throw new RegistryException(Kind.UNREACHABLE, "download broke at byte " + written[0]
                        + " and did not resume: " + broken, ref, ep.host(), digest.toString(), null, 0, broken);
            }
            LOG.info("download of {} from {} broke at byte {} ({}); resuming", digest, ep.host(), written[0],
                    broken.toString());
        }
        if (total[0] >= 0 && written[0] != total[0]) {
            throw new RegistryException(Kind.INVALID_RESPONSE, "got " + written[0] + " bytes, expected " + total[0],
                    ref, ep.host(), digest.toString(), null, 0, null);
        }
        Digest actual = Digest.ofSha256(hasher.digest());
        if (!"sha256".equals(digest.algorithm())) {
            actual = null;
        }
        if (actual != null && !actual.equals(digest)) {
            throw new RegistryException(Kind.DIGEST_MISMATCH, "content hashes to " + actual, ref, ep.host(),
                    digest.toString(), null, 0, null);
        }
        return written[0];
    }

    /**
     * Copies one response body; returns null when the blob is complete, or the exception that broke the body after
     * some bytes (to resume from). Status errors are thrown.
     */
    private IOException stream(Endpoint ep, RegistryRequest req, Response r, MessageDigest hasher, long[] written,
                               long[] total, OutputStream out) throws IOException {
        long skip = 0;
        if (r.code() == 206 && written[0] > 0) {
            ContentRange cr = ContentRange.parse(r.header("Content-Range"));
            if (cr.first() != written[0]) {
                throw new RegistryException(Kind.INVALID_RESPONSE, "resume at " + written[0] + " answered from "
                        + cr.first(), req.reference(), ep.host(), req.digest(), null, 206, null);
            }
            if (cr.total() >= 0) {
                checkTotal(ep, req, total, cr.total());
            }
        } else if (r.code() == 200) {
            // A server that ignores Range resends everything: skip what we already have.
            skip = written[0];
            long len = r.body().contentLength();
            if (len >= 0) {
                checkTotal(ep, req, total, len);
            }
        } else {
            throw transport.error(ep, req, r);
        }
        BufferedSource body = r.body().source();
        byte[] buf = new byte[64 * 1024];
        try {
            if (skip > 0) {
                body.skip(skip);
            }
        } catch (IOException e) {
            return e;
        }
        while (true) {
            int n;
            try {
                n = body.read(buf);
            } catch (IOException e) {
                // Only network reads land here; a failing local write (disk full) propagates as itself.
                return e;
            }
            if (n == -1) {
                return null;
            }
            if (total[0] >= 0 && written[0] + n > total[0]) {
                throw new RegistryException(Kind.INVALID_RESPONSE, "body longer than " + total[0] + " bytes",
                        req.reference(), ep.host(), req.digest(), null, r.code(), null);
            }
            hasher.update(buf, 0, n);
            out.write(buf, 0, n);
            written[0] += n;
        }
    }

    private static void checkTotal(Endpoint ep, RegistryRequest req, long[] total, long announced)
            throws RegistryException {
        if (total[0] < 0) {
            total[0] = announced;
        } else if (total[0] != announced) {
            throw new RegistryException(Kind.INVALID_RESPONSE, "registry announces " + announced
                    + " bytes, the descriptor says " + total[0], req.reference(), ep.host(), req.digest(), null, 0, null);
        }
    }
}
