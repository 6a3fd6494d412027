package dev.estargz.cli;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import dev.estargz.format.reader.EStargzReader;
import dev.estargz.format.reader.ReaderOptions;
import dev.estargz.image.ImageLocation;
import dev.estargz.image.LayerAnnotations;
import dev.estargz.registry.BlobSource;
import dev.estargz.registry.Digest;
import dev.estargz.registry.RegistryClient;
import dev.estargz.registry.ResolvedImage;
import dev.estargz.registry.blob.RegistryBlobSource;
import dev.estargz.registry.manifest.Descriptor;
import dev.estargz.registry.reference.ImageReference;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/**
 * The layers of a registry image that {@code --platform} and {@code --layer} select, each read by ranges: opening
 * one fetches only its footer and TOC. Closing it releases the registry connections.
 */
final class ImageLayers implements AutoCloseable {
    /**
     * One selected layer.
     *
     * @param index its position in the manifest, 0 = bottom
     * @param count how many layers the image has
     */
    record Layer(int index, int count, Descriptor descriptor, ImageReference repository) {
        /** {@code host/repo@digest}, how errors and reports name the layer. */
        String name() {
            return repository.registry() + "/" + repository.repository() + "@" + descriptor.digest();
        }

        /** The TOC digest the manifest promises ({@code containerd.io/snapshot/stargz/toc.digest}), if any. */
        Optional<Digest> annotatedTocDigest() throws IOException {
            String v = descriptor.annotations().get(LayerAnnotations.TOC_DIGEST);
            if (v == null) {
                return Optional.empty();
            }
            try {
                return Optional.of(Digest.parse(v));
            } catch (IllegalArgumentException e) {
                throw new IOException(name() + ": annotation " + LayerAnnotations.TOC_DIGEST + " is not a digest: " + v);
            }
        }
    }

    /** What to do with one layer, opened through its footer and TOC. */
    @FunctionalInterface
    interface LayerTask<T> {
        T run(Layer layer, EStargzReader reader, RegistryBlobSource source) throws IOException;
    }

    /** One layer's result, or why it failed. */
    record Outcome<T>(Layer layer, T result, Exception failure) {
        boolean ok() {
            return failure == null;
        }
    }

    private final RegistryClient client;
    private final ResolvedImage image;
    private final List<Layer> selected;

    private ImageLayers(RegistryClient client, ResolvedImage image, List<Layer> selected) {
        this.client = client;
        this.image = image;
        this.selected = selected;
    }

    /**
     * True when TARGET names a registry image rather than a layer file: an existing file always wins, and an image
     * needs a registry host or {@code docker://}, as {@code convert} decides.
     */
    static boolean isImage(String target) {
        return ImageConvert.isImageSource(target);
    }

    /** Resolves {@code target} (a registry image) and selects its layers. */
    static ImageLayers open(CommandLine cl, String target, ImageLayerOptions options) throws IOException {
        ImageLocation location;
        try {
            location = ImageLocation.parse(target);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(cl, target + ": " + e.getMessage());
        }
        if (!(location instanceof ImageLocation.Registry registry)) {
            throw new ParameterException(cl, target + ": only layer files and registry images can be read here");
        }
        ImageReference ref = registry.reference();
        RegistryClient client = options.registry.client();
        try {
            ResolvedImage image = client.resolve(ref, options.parsedPlatform());
            return new ImageLayers(client, image, select(cl, image, options.layer));
        } catch (IOException | RuntimeException e) {
            client.close();
            throw e;
        }
    }

    private static List<Layer> select(CommandLine cl, ResolvedImage image, String wanted) {
        List<Descriptor> all = image.layers();
        List<Layer> layers = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            layers.add(new Layer(i, all.size(), all.get(i), image.pinned()));
        }
        if (wanted == null) {
            return layers;
        }
        if (wanted.matches("\\d{1,9}")) {
            int i = Integer.parseInt(wanted);
            if (i >= all.size()) {
                throw new ParameterException(cl, "--layer " + wanted + ": the image has " + all.size()
                        + " layers (0.." + (all.size() - 1) + ")");
            }
            return List.of(layers.get(i));
        }
        Digest digest;
        try {
            digest = Digest.parse(wanted);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(cl, "--layer " + wanted + ": neither a layer index nor a digest ("
                    + e.getMessage() + ")");
        }
        for (Layer l : layers) {
            if (l.descriptor().digest().equals(digest)) {
                return List.of(l);
            }
        }
        throw new ParameterException(cl, "--layer " + wanted + ": no such layer in " + image.pinned());
    }

    /** The image manifest's reference, pinned to its digest. */
    ImageReference pinned() {
        return image.pinned();
    }

    List<Layer> selected() {
        return selected;
    }

    /** Random access to a layer's blob, sized by its descriptor (no request yet). */
    RegistryBlobSource source(Layer layer) {
        return client.openBlob(layer.repository(), layer.descriptor());
    }

    /** Opens a layer's footer and TOC with ranged reads of {@code source}. */
    static EStargzReader reader(Layer layer, BlobSource source) throws IOException {
        return EStargzReader.open(source, ReaderOptions.defaults().withLayerName(layer.name()));
    }

    /**
     * Runs {@code task} on every selected layer in order; a layer that fails (not eStargz, corrupt, unreachable)
     * does not stop the others. Usage errors still propagate.
     */
    <T> List<Outcome<T>> each(LayerTask<T> task) {
        List<Outcome<T>> out = new ArrayList<>();
        for (Layer l : selected) {
            try (RegistryBlobSource source = source(l)) {
                out.add(new Outcome<>(l, task.run(l, reader(l, source), source), null));
            } catch (IOException | RuntimeException e) {
                if (e instanceof ParameterException pe) {
                    throw pe;
                }
                out.add(new Outcome<>(l, null, e));
            }
        }
        return out;
    }

    /** Names each failed layer on {@code err}; returns the exit code for the whole run. */
    static int reportFailures(java.io.PrintWriter err, List<? extends Outcome<?>> outcomes) {
        int code = ExitCodes.OK;
        for (Outcome<?> o : outcomes) {
            if (!o.ok()) {
                String msg = FailureReporter.describe(o.failure());
                if (!msg.contains(o.layer().descriptor().digest().toString())) {
                    msg = o.layer().name() + ": " + msg;
                }
                err.println("estargz: layer " + o.layer().index() + ": " + msg);
                code = ExitCodes.FAILURE;
            }
        }
        return code;
    }

    @Override
    public void close() {
        client.close();
    }
}
