package dev.estargz.registry.blob;

import dev.estargz.registry.Digest;
import dev.estargz.registry.RegistryException;
import dev.estargz.registry.RegistryException.Kind;
import dev.estargz.registry.http.Endpoint;
import dev.estargz.registry.http.RegistryRequest;
import dev.estargz.registry.http.RegistryTransport;
import dev.estargz.registry.reference.ImageReference;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import okhttp3.Headers;
import okhttp3.Response;

/**
 * The last bytes of a blob and, from the same answer, the blob's size: one suffix-range GET
 * ({@code Range: bytes=-N}, RFC 9110 §14.1.2) where sizing the blob by HEAD and then reading its end takes two
 * round trips. Opening a lazily pulled layer starts this way (its footer and TOC are at the end).
 *
 * @param blobSize the blob's size, from {@code Content-Range}
 * @param offset   where {@code bytes} start in the blob
 * @param bytes    the blob's last {@code min(N, blobSize)} bytes
 */
public record BlobTail(long blobSize, long offset, byte[] bytes) {

    /**
     * Asks for the last {@code length} bytes of {@code digest}. Empty when the answer does not size the blob in a
     * way that can be trusted (a 200 with the whole blob, which is not read; a 416; a total of {@code *}): the
     * caller then sizes the blob by HEAD.
     *
     * @throws RegistryException of kind NOT_FOUND when no endpoint has the blob
     */
    public static Optional<BlobTail> fetch(RegistryTransport transport, List<Endpoint> endpoints,
            ImageReference repo, Digest digest, String scope, int length) throws IOException {
        if (length <= 0) {
            throw new IllegalArgumentException("tail length must be positive: " + length);
        }
        return transport.firstAnswering(endpoints, ep -> {
            RegistryRequest req = RegistryRequest.get(ep.url(repo.repository() + "/blobs/" + digest),
                    Headers.of("Range", "bytes=-" + length), List.of(scope),
                    repo.registry() + "/" + repo.repository() + "@" + digest, digest.toString());
            return transport.call(ep, req, r -> read(transport, ep, req, r, length));
        });
    }

    private static Optional<BlobTail> read(RegistryTransport transport, Endpoint ep, RegistryRequest req,
            Response r, int length) throws IOException {
        if (r.code() == 200 || r.code() == 416) {
            return Optional.empty(); // ranges ignored, or an empty blob: the body is left unread
        }
        if (r.code() != 206) {
            throw transport.error(ep, req, r);
        }
        ContentRange cr = ContentRange.parse(r.header("Content-Range"));
        if (cr.total() < 0) {
            return Optional.empty();
        }
        // a suffix range ends at the blob's last byte and is as long as asked for, or the whole blob
        if (cr.last() != cr.total() - 1 || cr.length() != Math.min(length, cr.total())) {
            throw new RegistryException(Kind.INVALID_RESPONSE, "Content-Range " + cr.first() + "-" + cr.last() + "/"
                    + cr.total() + " does not answer the last " + length + " bytes", req.reference(), ep.host(),
                    req.digest(), null, 0, null);
        }
        return Optional.of(new BlobTail(cr.total(), cr.first(), r.body().source().readByteArray(cr.length())));
    }
}
