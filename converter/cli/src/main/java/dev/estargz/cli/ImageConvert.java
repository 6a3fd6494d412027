package dev.estargz.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;

import dev.estargz.format.writer.ConvertOptions;
import dev.estargz.image.ImageConvertOptions;
import dev.estargz.image.ImageConvertResult;
import dev.estargz.image.ImageConverter;
import dev.estargz.image.ImageLocation;
import dev.estargz.image.ImageResult;
import dev.estargz.image.LayerResult;
import dev.estargz.image.OutputFormat;
import dev.estargz.registry.RegistryClient;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/**
 * {@code estargz convert SRC DST} when SRC is an image (a registry reference, {@code oci:DIR[:tag]} or
 * {@code oci-archive:FILE[:tag]}): converts the whole image, with progress on stderr and a summary on stdout.
 */
final class ImageConvert {
    /** The reference's default zstd:chunked level (klauspost SpeedDefault). */
    static final int ZSTD_DEFAULT_LEVEL = 3;

    private final CommandLine cl;
    private final ImageOptions image;
    private final ConvertOptions layer;
    private final boolean levelGiven;
    private final boolean json;

    ImageConvert(CommandLine cl, ImageOptions image, ConvertOptions layer, boolean levelGiven, boolean json) {
        this.cl = cl;
        this.image = image;
        this.layer = layer;
        this.levelGiven = levelGiven;
        this.json = json;
    }

    /** True when SRC names an image rather than a layer file: the form decides which conversion runs. */
    static boolean isImageSource(String src) {
        return ImageLocation.isExplicit(src) && !java.nio.file.Files.isRegularFile(java.nio.file.Path.of(src));
    }

    int run(String src, String dst) throws Exception {
        ImageLocation from = location(src, "SRC");
        ImageLocation to = location(dst, "DST");
        if (to instanceof ImageLocation.OciArchive) {
            throw new ParameterException(cl, "DST " + dst
                    + ": archives can only be read; write an OCI layout (oci:DIR[:tag]) or a registry reference");
        }
        if (to instanceof ImageLocation.Registry r && r.reference().digest() != null) {
            throw new ParameterException(cl, "DST " + dst + " names a digest; give a tag");
        }
        ImageConvertOptions options = options();
        PrintWriter err = cl.getErr();
        ProgressPrinter progress = new ProgressPrinter(err, System.console() != null);
        ImageConvertResult result;
        try (RegistryClient client = image.registry.client()) {
            result = new ImageConverter(client).convert(from, to, options, progress);
        } finally {
            progress.finish();
        }
        print(cl.getOut(), result);
        return ExitCodes.OK;
    }

    private ImageLocation location(String text, String which) {
        try {
            return ImageLocation.parse(text);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(cl, which + ": " + e.getMessage());
        }
    }

    private ImageConvertOptions options() {
        if (image.allPlatforms && !image.platforms.isEmpty()) {
            throw new ParameterException(cl, "give either --platform or --all-platforms, not both");
        }
        if (image.zstdChunked && !image.oci) {
            throw new ParameterException(cl, "--zstdchunked needs --oci (Docker has no zstd layers)");
        }
        if (image.parallelLayers < 1) {
            throw new ParameterException(cl, "--parallel-layers must be at least 1");
        }
        // Each prioritised file lives in one layer: every layer takes the ones it has, as the reference does.
        ConvertOptions l = layer.withPrioritizedFiles(layer.prioritizedFiles(), true);
        if (image.zstdChunked && !levelGiven) {
            l = l.withCompressionLevel(ZSTD_DEFAULT_LEVEL);
        }
        try {
            return ImageConvertOptions.defaults()
                    .withPlatforms(image.parsedPlatforms())
                    .withAllPlatforms(image.allPlatforms)
                    .withOci(image.oci)
                    .withReuse(image.reuse)
                    .withFormat(image.zstdChunked ? OutputFormat.ZSTD_CHUNKED : OutputFormat.ESTARGZ)
                    .withLayerOptions(l)
                    .withParallelLayers(image.parallelLayers)
                    .withWorkDir(image.tempDir);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(cl, e.getMessage());
        }
    }

    private void print(PrintWriter out, ImageConvertResult r) {
        if (json) {
            out.println(toJson(r));
            return;
        }
        out.println(r.source() + " -> " + r.destination());
        out.println("  digest: " + r.digest() + " (" + r.mediaType() + ")");
        for (ImageResult i : r.images()) {
            out.println("  " + (i.platform().isEmpty() ? "image" : i.platform()) + ": " + i.manifest());
            for (LayerResult l : i.layers()) {
                out.println("    " + l.sourceDigest() + " -> " + l.digest() + "  "
                        + l.action().name().toLowerCase(Locale.ROOT)
                        + (l.tocDigest() == null ? "" : "  toc " + l.tocDigest()));
            }
        }
        if (!r.keptPlatforms().isEmpty()) {
            out.println("  kept unchanged: " + String.join(", ", r.keptPlatforms()));
        }
        out.println(String.format(Locale.ROOT, "  read %s, uploaded %s, %.1f s", Sizes.human(r.bytesRead()),
                Sizes.human(r.bytesUploaded()), r.millis() / 1000.0));
    }

    static com.fasterxml.jackson.databind.node.ObjectNode toJson(ImageConvertResult r) {
        var o = Json.object()
                .put("source", r.source())
                .put("destination", r.destination())
                .put("sourceDigest", r.sourceDigest().toString())
                .put("digest", r.digest().toString())
                .put("mediaType", r.mediaType())
                .put("bytesRead", r.bytesRead())
                .put("bytesUploaded", r.bytesUploaded())
                .put("millis", r.millis());
        var images = o.putArray("images");
        for (ImageResult i : r.images()) {
            var io = images.addObject().put("platform", i.platform())
                    .put("sourceManifest", i.sourceManifest().toString()).put("manifest", i.manifest().toString());
            var layers = io.putArray("layers");
            for (LayerResult l : i.layers()) {
                var lo = layers.addObject()
                        .put("action", l.action().name().toLowerCase(Locale.ROOT))
                        .put("sourceDigest", l.sourceDigest().toString())
                        .put("sourceSize", l.sourceSize())
                        .put("sourceMediaType", l.sourceMediaType())
                        .put("digest", l.digest().toString())
                        .put("size", l.size())
                        .put("uncompressedSize", l.uncompressedSize())
                        .put("millis", l.millis());
                lo.put("tocDigest", l.tocDigest() == null ? null : l.tocDigest().toString());
                lo.put("diffID", l.diffId() == null ? null : l.diffId().toString());
                lo.put("upload", l.upload() == null ? null : l.upload().toLowerCase(Locale.ROOT));
            }
        }
        var kept = o.putArray("keptPlatforms");
        r.keptPlatforms().forEach(kept::add);
        var warnings = o.putArray("warnings");
        List.copyOf(r.warnings()).forEach(warnings::add);
        return o;
    }
}
