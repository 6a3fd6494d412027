package dev.estargz.image;

import com.github.luben.zstd.ZstdInputStream;
import dev.estargz.format.InvalidLayerException;
import dev.estargz.format.footer.Footer;
import dev.estargz.format.reader.EStargzReader;
import dev.estargz.format.reader.ReaderOptions;
import dev.estargz.format.writer.ConvertResult;
import dev.estargz.image.store.ImageSink;
import dev.estargz.image.store.ImageSource;
import dev.estargz.registry.BlobSource;
import dev.estargz.registry.Digest;
import dev.estargz.registry.manifest.Descriptor;
import dev.estargz.registry.manifest.MediaTypes;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One source layer's journey: kept (not a convertible layer), reused (already in the output format, checked),
 * or streamed from the source through the converter into a temporary file and stored at the destination.
 */
final class LayerConversion {
    private static final Logger LOG = LoggerFactory.getLogger(LayerConversion.class);
    private static final Set<String> CONVERTIBLE = Set.of(MediaTypes.OCI_LAYER, MediaTypes.OCI_LAYER_GZIP,
            MediaTypes.OCI_LAYER_ZSTD, MediaTypes.DOCKER_LAYER_GZIP, "application/vnd.docker.image.rootfs.diff.tar");

    /**
     * The outcome for one source layer.
     *
     * @param blob        the output blob with its annotations (media type decided per manifest)
     * @param converted   true when {@code blob} was written by us in the output format
     * @param diffId      the new diffID, or null to keep the config's
     */
    record Outcome(Descriptor blob, boolean converted, Digest diffId, LayerResult result) {
    }

    private final ImageSource source;
    private final ImageSink sink;
    private final ImageConvertOptions options;
    private final ConversionProgress progress;
    private final LayerWriter writer;
    private final Path workDir;
    private final AtomicLong bytesRead;
    private final AtomicLong bytesUploaded;

    LayerConversion(ImageSource source, ImageSink sink, ImageConvertOptions options, ConversionProgress progress,
                    LayerWriter writer, Path workDir, AtomicLong bytesRead, AtomicLong bytesUploaded) {
        this.source = source;
        this.sink = sink;
        this.options = options;
        this.progress = progress;
        this.writer = writer;
        this.workDir = workDir;
        this.bytesRead = bytesRead;
        this.bytesUploaded = bytesUploaded;
    }

    static String shortName(Digest d) {
        return d.hex().substring(0, 12);
    }

    Outcome run(Descriptor layer, String image) throws IOException {
        String name = shortName(layer.digest());
        long start = System.nanoTime();
        progress.layerStarted(name, layer.size());
        Outcome o;
        try {
            if (!layer.urls().isEmpty() || !CONVERTIBLE.contains(layer.mediaType())) {
                o = keep(layer, LayerResult.Action.KEPT, layer.urls().isEmpty(), start);
            } else if (options.reuse() && reusable(layer, name)) {
                o = reuse(layer, start);
            } else {
                o = convert(layer, name, image, start);
            }
        } catch (InvalidLayerException e) {
            throw new ImageConversionException(image, layer.digest().toString(), "not a valid layer: "
                    + e.getMessage(), e);
        }
        progress.layerFinished(name, o.result());
        return o;
    }

    private Outcome keep(Descriptor layer, LayerResult.Action action, boolean copy, long start) throws IOException {
        String upload = null;
        if (copy) {
            ImageSink.BlobOutcome b = sink.copyBlob(layer, source);
            if (b == ImageSink.BlobOutcome.WRITTEN) {
                bytesUploaded.addAndGet(layer.size());
            }
            upload = b.name();
        }
        LayerResult r = new LayerResult(layer.digest(), layer.size(), layer.mediaType(), layer.digest(), layer.size(),
                null, tocDigestOf(layer), uncompressedSizeOf(layer), action, upload, millisSince(start));
        return new Outcome(layer, false, null, r);
    }

    private Outcome reuse(Descriptor layer, long start) throws IOException {
        Descriptor kept = layer;
        if (!layer.annotations().containsKey(LayerAnnotations.UNCOMPRESSED_SIZE)) {
            kept = layer.withAnnotations(Map.of(LayerAnnotations.UNCOMPRESSED_SIZE,
                    Long.toString(uncompressedSize(layer))));
        }
        Outcome o = keep(kept, LayerResult.Action.REUSED, true, start);
        return new Outcome(kept, false, null, o.result());
    }

    /** True when the layer is already in the output format: its footer parses and its TOC has the annotated digest. */
    private boolean reusable(Descriptor layer, String name) throws IOException {
        String toc = layer.annotations().get(LayerAnnotations.TOC_DIGEST);
        boolean zstd = options.format() == OutputFormat.ZSTD_CHUNKED;
        String wantedType = zstd ? MediaTypes.OCI_LAYER_ZSTD : null;
        boolean typeOk = zstd ? wantedType.equals(layer.mediaType())
                : MediaTypes.OCI_LAYER_GZIP.equals(layer.mediaType()) || MediaTypes.DOCKER_LAYER_GZIP.equals(layer.mediaType());
        if (toc == null || !typeOk) {
            return false;
        }
        try (BlobSource blob = source.openBlob(layer)) {
            EStargzReader reader = EStargzReader.open(blob, ReaderOptions.defaults().withLayerName(layer.digest().toString()));
            boolean footerOk = zstd ? reader.footer() instanceof Footer.StargzZstdChunked
                    : reader.footer() instanceof Footer.EStargz;
            if (!footerOk) {
                LOG.info("layer {} has a {} footer, not the output format's: converting it", name, reader.footer().kind());
                return false;
            }
            reader.verifyToc(Digest.parse(toc));
            return true;
        } catch (InvalidLayerException | IllegalArgumentException e) {
            progress.message("layer " + name + " carries a TOC digest annotation but is not reusable ("
                    + e.getMessage() + "): converting it", false);
            return false;
        }
    }

    private long uncompressedSize(Descriptor layer) throws IOException {
        try (InputStream raw = source.openStream(layer);
             InputStream in = MediaTypes.OCI_LAYER_ZSTD.equals(layer.mediaType()) ? new ZstdInputStream(raw)
                     : GzipCompressorInputStream.builder().setInputStream(raw).setDecompressConcatenated(true).get()) {
            return in.transferTo(OutputStream.nullOutputStream());
        }
    }

    private Outcome convert(Descriptor layer, String name, String image, long start) throws IOException {
        Path out = Files.createTempFile(workDir, "layer-" + name + "-", ".out");
        try {
            ConvertResult r;
            try (InputStream in = CountingStreams.input(source.openStream(layer), n -> {
                bytesRead.addAndGet(n);
                progress.bytesRead(name, n);
            }); OutputStream os = new BufferedOutputStream(CountingStreams.output(Files.newOutputStream(out),
                    n -> progress.bytesWritten(name, n)), 1 << 20)) {
                r = writer.convert(in, os, options.layerOptions().withTempDir(workDir));
            }
            Map<String, String> annotations = new HashMap<>(layer.annotations());
            annotations.keySet().removeIf(k -> k.startsWith("io.containers.zstd-chunked.")
                    || k.equals(LayerAnnotations.TOC_DIGEST) || k.equals(LayerAnnotations.UNCOMPRESSED_SIZE));
            annotations.putAll(writer.annotations(r, out));
            Descriptor blob = new Descriptor(layer.mediaType(), r.blobDigest(), r.blobSize(), annotations, null,
                    java.util.List.of());
            ImageSink.BlobOutcome stored = sink.putBlob(blob, out);
            if (stored == ImageSink.BlobOutcome.WRITTEN) {
                bytesUploaded.addAndGet(r.blobSize());
            }
            LayerResult result = new LayerResult(layer.digest(), layer.size(), layer.mediaType(), r.blobDigest(),
                    r.blobSize(), r.diffId(), r.tocDigest(), r.uncompressedSize(), LayerResult.Action.CONVERTED,
                    stored.name(), millisSince(start));
            return new Outcome(blob, true, r.diffId(), result);
        } finally {
            Files.deleteIfExists(out);
        }
    }

    private static Digest tocDigestOf(Descriptor d) {
        String t = d.annotations().get(LayerAnnotations.TOC_DIGEST);
        try {
            return t == null ? null : Digest.parse(t);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static long uncompressedSizeOf(Descriptor d) {
        try {
            return Long.parseLong(d.annotations().getOrDefault(LayerAnnotations.UNCOMPRESSED_SIZE, "-1"));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static long millisSince(long start) {
        return (System.nanoTime() - start) / 1_000_000;
    }
}
