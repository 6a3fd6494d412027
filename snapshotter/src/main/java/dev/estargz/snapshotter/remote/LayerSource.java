package dev.estargz.snapshotter.remote;

import dev.estargz.registry.Digest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Where a layer to pull lazily comes from, read from snapshot labels: the image reference, the layer's
 * digest, the image's other layers (to pre-resolve and prefetch), URLs, TOC digest and prefetch hints.
 * The CRI label set is tried first, then the stargz set, as the reference does.
 *
 * @param labelSet    which label set supplied the reference and digest
 * @param imageRef    the image reference as given (not parsed here)
 * @param target      the layer digest
 * @param otherLayers the image's other layers listed in the labels, without the target, in label order
 *                    (possibly truncated by the 4096-byte label limit)
 * @param urls        alternative URLs of the target (stargz set only)
 * @param tocDigest   the TOC JSON digest, if the layer annotation was passed
 * @param prefetchSize bytes to prefetch when the layer has no landmark ({@code stargz.prefetch})
 * @param skipVerify  whether {@code stargz.skipverify} was set (honoured only if the config allows)
 */
public record LayerSource(LabelSet labelSet, String imageRef, Digest target, List<OtherLayer> otherLayers,
                          List<String> urls, Optional<Digest> tocDigest, OptionalLong prefetchSize,
                          boolean skipVerify) {

    /** Which label family described the layer. */
    public enum LabelSet { CRI, STARGZ }

    /** Another layer of the same image, with the URLs the stargz labels give for it. */
    public record OtherLayer(Digest digest, List<String> urls) {
        public OtherLayer {
            urls = List.copyOf(urls);
        }
    }

    public LayerSource {
        otherLayers = List.copyOf(otherLayers);
        urls = List.copyOf(urls);
    }

    /**
     * Reads the layer source from {@code labels}: CRI set first, then stargz set.
     *
     * @throws InvalidLayerLabelsException naming what is missing or malformed in each set
     */
    public static LayerSource fromLabels(Map<String, String> labels) throws InvalidLayerLabelsException {
        String criProblem;
        try {
            return fromCri(labels);
        } catch (IllegalArgumentException e) {
            criProblem = e.getMessage();
        }
        try {
            return fromStargz(labels);
        } catch (IllegalArgumentException e) {
            throw new InvalidLayerLabelsException("no usable layer labels: CRI set: " + criProblem
                    + "; stargz set: " + e.getMessage());
        }
    }

    private static LayerSource fromCri(Map<String, String> labels) {
        String ref = require(labels, LayerLabels.CRI_IMAGE_REF, "reference hasn't been passed");
        Digest target = digest(require(labels, LayerLabels.CRI_LAYER_DIGEST, "digest hasn't been passed"));
        List<OtherLayer> others = new ArrayList<>();
        for (String item : split(labels.get(LayerLabels.CRI_IMAGE_LAYERS))) {
            Digest d = digest(item);
            if (!d.equals(target)) {
                others.add(new OtherLayer(d, List.of()));
            }
        }
        return new LayerSource(LabelSet.CRI, ref, target, others, List.of(), tocDigest(labels),
                prefetch(labels), labels.containsKey(LayerLabels.STARGZ_SKIP_VERIFY));
    }

    private static LayerSource fromStargz(Map<String, String> labels) {
        String ref = require(labels, LayerLabels.STARGZ_REFERENCE, "reference hasn't been passed");
        Digest target = digest(require(labels, LayerLabels.STARGZ_DIGEST, "digest hasn't been passed"));
        List<OtherLayer> others = new ArrayList<>();
        List<String> layers = split(labels.get(LayerLabels.STARGZ_LAYERS));
        for (int i = 0; i < layers.size(); i++) {
            Digest d = digest(layers.get(i));
            if (!d.equals(target)) {
                others.add(new OtherLayer(d, split(labels.get(LayerLabels.STARGZ_URLS_PREFIX + i))));
            }
        }
        return new LayerSource(LabelSet.STARGZ, ref, target, others, split(labels.get(LayerLabels.STARGZ_URLS)),
                tocDigest(labels), prefetch(labels), labels.containsKey(LayerLabels.STARGZ_SKIP_VERIFY));
    }

    private static String require(Map<String, String> labels, String key, String problem) {
        String v = labels.get(key);
        if (v == null) {
            throw new IllegalArgumentException(problem + " (" + key + ")");
        }
        return v;
    }

    private static Digest digest(String text) {
        return Digest.parse(text.trim());
    }

    private static List<String> split(String value) {
        if (value == null || value.isEmpty()) {
            return List.of();
        }
        return Arrays.asList(value.split(","));
    }

    private static Optional<Digest> tocDigest(Map<String, String> labels) {
        String v = labels.get(LayerLabels.TOC_DIGEST);
        if (v == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(Digest.parse(v));
        } catch (IllegalArgumentException e) {
            // a malformed TOC digest must not silently disable verification: keep it as "missing"
            return Optional.empty();
        }
    }

    private static OptionalLong prefetch(Map<String, String> labels) {
        String v = labels.get(LayerLabels.STARGZ_PREFETCH);
        if (v == null) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Long.parseLong(v));
        } catch (NumberFormatException e) {
            // the reference ignores an unparsable prefetch size
            return OptionalLong.empty();
        }
    }
}
