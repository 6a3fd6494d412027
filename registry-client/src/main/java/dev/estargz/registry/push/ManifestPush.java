package dev.estargz.registry.push;

import dev.estargz.registry.Digest;
import dev.estargz.registry.RegistryException;
import dev.estargz.registry.RegistryException.Kind;
import dev.estargz.registry.http.Endpoint;
import dev.estargz.registry.http.RegistryRequest;
import dev.estargz.registry.http.RegistryTransport;
import dev.estargz.registry.reference.ImageReference;
import okhttp3.MediaType;
import okhttp3.RequestBody;

import java.io.IOException;
import java.util.List;

/** PUTs a manifest or index under a tag or digest, with its media type as Content-Type. */
public final class ManifestPush {
    private final RegistryTransport transport;

    public ManifestPush(RegistryTransport transport) {
        this.transport = transport;
    }

    /**
     * Pushes {@code manifest} to {@code target} (its digest if it has one, else its tag). Blobs and child manifests it
     * names must already be in the repository.
     *
     * @return the manifest's digest, checked against the one the registry reports
     */
    public Digest push(ImageReference target, byte[] manifest, String mediaType) throws IOException {
        Digest digest = Digest.sha256(manifest);
        if (target.digest() != null && !target.digest().equals(digest)) {
            throw new IllegalArgumentException("manifest hashes to " + digest + " but the target names "
                    + target.digest());
        }
        Endpoint ep = transport.pushEndpoint(target);
        String tagOrDigest = target.digest() != null ? target.digest().toString() : target.tag();
        RegistryRequest put = new RegistryRequest("PUT", ep.url(target.repository() + "/manifests/" + tagOrDigest),
                null, RequestBody.create(manifest, MediaType.get(mediaType)),
                List.of("repository:" + target.repository() + ":pull,push"), true, false, target.toString(),
                digest.toString());
        return transport.call(ep, put, r -> {
            if (r.code() != 201 && r.code() != 200) {
                throw transport.error(ep, put, r);
            }
            String echoed = r.header("Docker-Content-Digest");
            if (echoed != null && !echoed.equals(digest.toString())) {
                throw new RegistryException(Kind.DIGEST_MISMATCH, "registry stored the manifest as " + echoed,
                        target.toString(), ep.host(), digest.toString(), null, r.code(), null);
            }
            return digest;
        });
    }
}
