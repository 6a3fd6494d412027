package dev.estargz.format.writer;

import dev.estargz.registry.Digest;
import java.util.List;

/**
 * What a conversion produced: the digests and sizes a manifest and its annotations need.
 *
 * @param blobDigest       sha256 of the eStargz blob
 * @param diffId           sha256 of the blob decompressed (the layer's new diffID)
 * @param tocDigest        sha256 of the TOC JSON ({@code containerd.io/snapshot/stargz/toc.digest})
 * @param blobSize         compressed size
 * @param uncompressedSize decompressed size ({@code io.containers.estargz.uncompressed-size})
 * @param tocOffset        where the TOC member starts
 * @param tocEntries       number of TOC entries (chunks included)
 * @param prefetchSize     offset of {@code .prefetch.landmark}, 0 when nothing was prioritised
 * @param missingPrioritizedFiles prioritised paths not found in the layer (only when that is allowed)
 */
public record ConvertResult(Digest blobDigest, Digest diffId, Digest tocDigest, long blobSize, long uncompressedSize,
        long tocOffset, int tocEntries, long prefetchSize, List<String> missingPrioritizedFiles) {
    public ConvertResult {
        missingPrioritizedFiles = List.copyOf(missingPrioritizedFiles);
    }
}
