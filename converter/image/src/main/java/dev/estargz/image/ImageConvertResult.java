package dev.estargz.image;

import dev.estargz.registry.Digest;

import java.util.List;

/**
 * What a whole-image conversion did.
 *
 * @param sourceDigest   digest of the source manifest or index
 * @param digest         digest of the destination manifest or index the tag now names
 * @param images         the converted images
 * @param keptPlatforms  index entries left untouched (platforms not selected, attestations)
 * @param bytesRead      layer bytes read from the source
 * @param bytesUploaded  blob and manifest bytes written to the destination (mounted and present blobs excluded)
 */
public record ImageConvertResult(String source, String destination, Digest sourceDigest, Digest digest,
                                 String mediaType, List<ImageResult> images, List<String> keptPlatforms,
                                 long bytesRead, long bytesUploaded, long millis, List<String> warnings) {
    public ImageConvertResult {
        images = List.copyOf(images);
        keptPlatforms = List.copyOf(keptPlatforms);
        warnings = List.copyOf(warnings);
    }
}
