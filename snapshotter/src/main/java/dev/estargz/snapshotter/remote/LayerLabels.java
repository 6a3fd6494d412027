package dev.estargz.snapshotter.remote;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The snapshot label keys that describe a layer to pull lazily, and how their list values are built
 * (truncated so that key plus value stay within containerd's 4096-byte label limit).
 */
public final class LayerLabels {
    /** Set by containerd's unpacker to the chain ID the layer will be committed as. */
    public static final String TARGET_SNAPSHOT_REF = "containerd.io/snapshot.ref";
    /** Set by this snapshotter on snapshots it committed as remote layers. */
    public static final String REMOTE = "containerd.io/snapshot/remote";
    /** The value of {@link #REMOTE}. */
    public static final String REMOTE_VALUE = "remote snapshot";

    /** CRI set (containerd's pkg/snapshotters, containerd ≥ 1.6). */
    public static final String CRI_IMAGE_REF = "containerd.io/snapshot/cri.image-ref";
    public static final String CRI_LAYER_DIGEST = "containerd.io/snapshot/cri.layer-digest";
    public static final String CRI_IMAGE_LAYERS = "containerd.io/snapshot/cri.image-layers";
    public static final String CRI_MANIFEST_DIGEST = "containerd.io/snapshot/cri.manifest-digest";

    /** stargz set (ctr-remote rpull, nerdctl). */
    public static final String STARGZ_REFERENCE = "containerd.io/snapshot/remote/stargz.reference";
    public static final String STARGZ_DIGEST = "containerd.io/snapshot/remote/stargz.digest";
    public static final String STARGZ_LAYERS = "containerd.io/snapshot/remote/stargz.layers";
    public static final String STARGZ_URLS = "containerd.io/snapshot/remote/urls";
    /** Followed by the layer's index in {@link #STARGZ_LAYERS} (the target is 0). */
    public static final String STARGZ_URLS_PREFIX = "containerd.io/snapshot/remote/urls.";
    public static final String STARGZ_PREFETCH = "containerd.io/snapshot/remote/stargz.prefetch";
    public static final String STARGZ_SKIP_VERIFY = "containerd.io/snapshot/remote/stargz.skipverify";

    /** The layer annotation carrying the TOC JSON digest, inherited as a snapshot label. */
    public static final String TOC_DIGEST = "containerd.io/snapshot/stargz/toc.digest";

    /** The layer annotation with the uncompressed blob size, which the layer store's {@code info} needs. */
    public static final String UNCOMPRESSED_SIZE = "io.containers.estargz.uncompressed-size";

    /** containerd's labels.Validate limit. */
    public static final int MAX_LABEL_BYTES = 4096;

    private LayerLabels() {
    }

    /** True when {@code key} + {@code value} fit containerd's label limit. */
    public static boolean fits(String key, String value) {
        return key.getBytes(StandardCharsets.UTF_8).length + value.getBytes(StandardCharsets.UTF_8).length
                <= MAX_LABEL_BYTES;
    }

    /**
     * The CRI {@code cri.image-layers} value: digests joined by commas, stopping before the first digest
     * that would make the label too big (containerd's {@code getLayers}).
     */
    public static String criImageLayers(List<String> digests) {
        StringBuilder layers = new StringBuilder();
        for (String d : digests) {
            String item = layers.length() == 0 ? d : "," + d;
            if (!fits(CRI_IMAGE_LAYERS, layers + item)) {
                break;
            }
            layers.append(item);
        }
        return layers.toString();
    }

    /**
     * A stargz list value ({@code stargz.layers}, {@code urls}, {@code urls.<i>}): items are appended as
     * {@code "item,"} while that fits, then the trailing comma is dropped (the reference's
     * {@code appendWithValidation}; it counts the trailing comma, so it may stop one item earlier than CRI).
     */
    public static String stargzList(String key, List<String> items) {
        StringBuilder v = new StringBuilder();
        for (String item : items) {
            String s = item + ",";
            if (!fits(key, v + s)) {
                break;
            }
            v.append(s);
        }
        return v.length() == 0 ? "" : v.substring(0, v.length() - 1);
    }
}
