package dev.estargz.fusefs.mount;

import dev.estargz.registry.BlobSource;
import dev.estargz.registry.Digest;
import java.util.Objects;

/**
 * A layer to serve: its blob, its digest (which names it in logs and in the state file), and the TOC digest the
 * manifest promised ({@code containerd.io/snapshot/stargz/toc.digest}); null only for local debugging, when the
 * TOC is trusted as found.
 */
public record LayerSource(BlobSource blob, Digest layerDigest, Digest tocDigest) {
    public LayerSource {
        Objects.requireNonNull(blob, "blob");
        Objects.requireNonNull(layerDigest, "layerDigest");
    }
}
