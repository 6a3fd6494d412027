package dev.estargz.image;

import dev.estargz.image.store.ImageSink;
import dev.estargz.image.store.ImageSource;
import dev.estargz.image.store.StoredManifest;
import dev.estargz.registry.Digest;
import dev.estargz.registry.manifest.Descriptor;
import dev.estargz.registry.manifest.ImageIndex;
import dev.estargz.registry.manifest.ImageManifest;
import dev.estargz.registry.manifest.MediaTypes;
import dev.estargz.registry.manifest.Platform;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * One run of a whole-image conversion. Layers of every selected image are converted on a bounded pool (each
 * layer streamed through temporary files, shared layers once); then configs, child manifests and entries that
 * are not converted are stored; the destination's name is written last.
 */
final class ImageConversion {
    private static final AtomicInteger RUN_IDS = new AtomicInteger();

    private final ImageSource source;
    private final ImageSink sink;
    private final String sourceName;
    private final String destinationName;
    private final ImageConvertOptions options;
    private final ConversionProgress progress;
    private final AtomicLong bytesRead = new AtomicLong();
    private final AtomicLong bytesUploaded = new AtomicLong();
    private final List<String> warnings = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Map<Digest, Future<LayerConversion.Outcome>> layerJobs = new ConcurrentHashMap<>();
    private boolean dockerWarned;
    private Path work;

    ImageConversion(ImageSource source, ImageSink sink, String sourceName, String destinationName,
                    ImageConvertOptions options, ConversionProgress progress) {
        this.source = source;
        this.sink = sink;
        this.sourceName = sourceName;
        this.destinationName = destinationName;
        this.options = options;
        this.progress = progress;
    }

    /** An image selected for conversion. */
    private record Selected(String label, Descriptor entry, StoredManifest manifest) {
    }

    /** A converted image ready to be stored. */
    private record Converted(String mediaType, byte[] bytes, Digest digest, ImageResult result) {
    }

    ImageConvertResult run() throws IOException {
        long start = System.nanoTime();
        Path base = options.workDir() != null ? options.workDir() : Path.of(System.getProperty("java.io.tmpdir"));
        work = Files.createTempDirectory(Files.createDirectories(base), "estargz-image-");
        int run = RUN_IDS.incrementAndGet();
        AtomicInteger threads = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(options.parallelLayers(), r -> {
            Thread t = new Thread(r, "estargz-layer-" + run + "-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        LayerConversion layers = new LayerConversion(source, sink, options, progress,
                LayerWriter.of(options.format()), work, bytesRead, bytesUploaded);
        try {
            StoredManifest top = source.top();
            List<ImageResult> images = new ArrayList<>();
            List<String> kept = new ArrayList<>();
            String mediaType;
            byte[] bytes;
            if (top.document() instanceof ImageManifest m) {
                progress.message("converting the image " + sourceName + " (a single manifest, no index)", false);
                submitLayers(pool, layers, List.of(m), sourceName);
                Converted c = convertImage(new Selected("", null, top), m);
                images.add(c.result());
                mediaType = c.mediaType();
                bytes = c.bytes();
            } else {
                ImageIndex index = (ImageIndex) top.document();
                List<Selected> selected = select(index);
                submitLayers(pool, layers, selected.stream().map(s -> (ImageManifest) s.manifest().document())
                        .toList(), sourceName);
                List<Descriptor> entries = new ArrayList<>(index.manifests());
                for (Selected s : selected) {
                    Converted c = convertImage(s, (ImageManifest) s.manifest().document());
                    sink.putManifest(c.digest(), c.bytes(), c.mediaType());
                    bytesUploaded.addAndGet(c.bytes().length);
                    images.add(c.result());
                    int i = entries.indexOf(s.entry());
                    entries.set(i, new Descriptor(c.mediaType(), c.digest(), c.bytes().length,
                            s.entry().annotations(), s.entry().platform(), s.entry().urls()));
                }
                for (Descriptor d : index.manifests()) {
                    if (selected.stream().noneMatch(s -> s.entry().equals(d))) {
                        copyUnchanged(d);
                        kept.add(label(d));
                    }
                }
                mediaType = options.oci() ? ManifestEdit.toOci(index.mediaType()) : index.mediaType();
                bytes = ManifestEdit.index(top.bytes(), mediaType, entries, sourceName);
            }
            Digest digest = Digest.sha256(bytes);
            sink.tag(digest, bytes, mediaType);
            bytesUploaded.addAndGet(bytes.length);
            return new ImageConvertResult(sourceName, destinationName, top.digest(), digest, mediaType, images, kept,
                    bytesRead.get(), bytesUploaded.get(), (System.nanoTime() - start) / 1_000_000, warnings);
        } finally {
            pool.shutdownNow();
            try {
                pool.awaitTermination(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            deleteRecursively(work);
        }
    }

    private List<Selected> select(ImageIndex index) throws IOException {
        List<Platform> wanted = options.platforms();
        if (!options.allPlatforms() && wanted.isEmpty()) {
            wanted = List.of(Platform.current());
            progress.message("converting " + wanted.get(0) + ", the host's platform (other platforms are kept "
                    + "as they are; use --platform or --all-platforms)", false);
        }
        List<Selected> out = new ArrayList<>();
        for (Descriptor d : index.manifests()) {
            if (!MediaTypes.isManifest(d.mediaType()) || !selected(d, wanted)) {
                continue;
            }
            StoredManifest child = source.manifest(d);
            if (child.document() instanceof ImageManifest) {
                out.add(new Selected(label(d), d, child));
            }
        }
        if (out.isEmpty()) {
            throw new ImageConversionException(sourceName, null, "the index has no image for "
                    + (options.allPlatforms() ? "any platform" : wanted.stream().map(Platform::toString)
                    .collect(Collectors.joining(", "))) + " (has: " + index.manifests().stream()
                    .map(ImageConversion::label).collect(Collectors.joining(", ")) + ")", null);
        }
        progress.message("converting " + out.stream().map(Selected::label).collect(Collectors.joining(", "))
                + " of " + sourceName, false);
        return out;
    }

    private boolean selected(Descriptor d, List<Platform> wanted) {
        Platform p = d.platform();
        if (p != null && "unknown".equals(p.os())) {
            return false; // attestation manifests (buildx) hold no layer tars
        }
        if (options.allPlatforms()) {
            return true;
        }
        return p != null && wanted.stream().anyMatch(w -> w.matches(p));
    }

    private static String label(Descriptor d) {
        return d.platform() != null ? d.platform().toString() : d.digest().toString();
    }

    /** Submits every distinct layer once, largest first, so that the longest conversions do not start last. */
    private void submitLayers(ExecutorService pool, LayerConversion layers, List<ImageManifest> images,
                              String image) {
        Map<Digest, Descriptor> distinct = new java.util.LinkedHashMap<>();
        images.forEach(m -> m.layers().forEach(l -> distinct.putIfAbsent(l.digest(), l)));
        distinct.values().stream().sorted(Comparator.comparingLong(Descriptor::size).reversed())
                .forEach(l -> layerJobs.computeIfAbsent(l.digest(), k -> pool.submit(() -> layers.run(l, image))));
    }

    private Converted convertImage(Selected s, ImageManifest m) throws IOException {
        String image = s.label().isEmpty() ? sourceName : sourceName + " (" + s.label() + ")";
        String manifestType = options.oci() ? ManifestEdit.toOci(m.mediaType()) : m.mediaType();
        boolean dockerOut = MediaTypes.DOCKER_MANIFEST.equals(manifestType);
        byte[] config = source.smallBlob(m.config());
        List<Digest> diffIds = new ArrayList<>(ManifestEdit.diffIds(config, image));
        if (diffIds.size() != m.layers().size()) {
            throw new ImageConversionException(image, null, "the config lists " + diffIds.size()
                    + " diff_ids but the manifest has " + m.layers().size() + " layers", null);
        }
        List<Descriptor> newLayers = new ArrayList<>();
        List<LayerResult> results = new ArrayList<>();
        for (int i = 0; i < m.layers().size(); i++) {
            LayerConversion.Outcome o = await(layerJobs.get(m.layers().get(i).digest()), image);
            Descriptor d = o.blob();
            String type;
            if (o.converted()) {
                type = options.format() == OutputFormat.ZSTD_CHUNKED ? MediaTypes.OCI_LAYER_ZSTD
                        : dockerOut ? MediaTypes.DOCKER_LAYER_GZIP : MediaTypes.OCI_LAYER_GZIP;
            } else {
                type = options.oci() ? ManifestEdit.toOci(d.mediaType()) : d.mediaType();
            }
            Map<String, String> annotations = d.annotations();
            if (dockerOut && o.converted()) {
                warnDocker();
                annotations = Map.of(); // Docker schema 2 has no layer annotations
            }
            newLayers.add(new Descriptor(type, d.digest(), d.size(), annotations, null, d.urls()));
            if (o.diffId() != null) {
                diffIds.set(i, o.diffId());
            }
            results.add(o.result());
        }
        byte[] newConfig = ManifestEdit.config(config, diffIds, image);
        String configType = options.oci() ? ManifestEdit.toOci(m.config().mediaType()) : m.config().mediaType();
        Descriptor configDesc;
        if (newConfig == config) {
            configDesc = new Descriptor(configType, m.config().digest(), m.config().size(),
                    m.config().annotations(), null, m.config().urls());
            if (sink.copyBlob(m.config(), source) == ImageSink.BlobOutcome.WRITTEN) {
                bytesUploaded.addAndGet(config.length);
            }
        } else {
            configDesc = new Descriptor(configType, Digest.sha256(newConfig), newConfig.length,
                    m.config().annotations(), null, m.config().urls());
            putBytes(configDesc, newConfig);
        }
        byte[] bytes = ManifestEdit.manifest(s.manifest().bytes(), manifestType, configDesc, newLayers, image);
        Digest digest = Digest.sha256(bytes);
        return new Converted(manifestType, bytes, digest,
                new ImageResult(s.label(), s.manifest().digest(), digest, results));
    }

    private void warnDocker() {
        synchronized (this) {
            if (dockerWarned) {
                return;
            }
            dockerWarned = true;
        }
        String w = "WARNING: writing Docker media types: Docker schema 2 manifests cannot carry the layer annotation "
                + LayerAnnotations.TOC_DIGEST + ", so snapshotters will not lazily pull this image; use --oci";
        warnings.add(w);
        progress.message(w, true);
    }

    private void putBytes(Descriptor d, byte[] bytes) throws IOException {
        Path tmp = Files.createTempFile(work, "blob-", ".json");
        try {
            Files.write(tmp, bytes);
            if (sink.putBlob(d, tmp) == ImageSink.BlobOutcome.WRITTEN) {
                bytesUploaded.addAndGet(bytes.length);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Stores an index entry that is not converted, with everything it refers to, unchanged. */
    private void copyUnchanged(Descriptor d) throws IOException {
        StoredManifest m = source.manifest(d);
        if (m.document() instanceof ImageManifest im) {
            copyBlob(im.config());
            for (Descriptor l : im.layers()) {
                if (l.urls().isEmpty()) {
                    copyBlob(l);
                }
            }
        } else {
            for (Descriptor child : ((ImageIndex) m.document()).manifests()) {
                copyUnchanged(child);
            }
        }
        sink.putManifest(m.digest(), m.bytes(), m.mediaType());
    }

    private void copyBlob(Descriptor d) throws IOException {
        if (sink.copyBlob(d, source) == ImageSink.BlobOutcome.WRITTEN) {
            bytesUploaded.addAndGet(d.size());
        }
    }

    private static LayerConversion.Outcome await(Future<LayerConversion.Outcome> f, String image)
            throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while converting " + image);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) {
                throw io;
            }
            if (c instanceof RuntimeException re) {
                throw re;
            }
            throw new IOException(image + ": " + c, c);
        }
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a leftover temporary directory is harmless
        }
    }
}
