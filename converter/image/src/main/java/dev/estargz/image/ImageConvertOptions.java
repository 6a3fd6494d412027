package dev.estargz.image;

import dev.estargz.format.writer.ConvertOptions;
import dev.estargz.registry.manifest.Platform;

import java.nio.file.Path;
import java.util.List;

/**
 * How an image is converted.
 *
 * @param platforms      the platforms to convert in an index; empty means the host's platform
 * @param allPlatforms   convert every image of an index (attestations and other non-images are kept as they are)
 * @param oci            write OCI media types (Docker ones cannot carry the TOC digest annotation)
 * @param reuse          keep layers that already are in the output format, after checking footer and TOC digest
 * @param format         eStargz or zstd:chunked
 * @param layerOptions   chunk size, compression level, prioritised files, compression threads per layer
 * @param parallelLayers how many layers are downloaded, converted and uploaded at once
 * @param workDir        where temporary files go (null: the system temporary directory)
 */
public record ImageConvertOptions(List<Platform> platforms, boolean allPlatforms, boolean oci, boolean reuse,
                                  OutputFormat format, ConvertOptions layerOptions, int parallelLayers,
                                  Path workDir) {
    public ImageConvertOptions {
        platforms = List.copyOf(platforms);
        if (allPlatforms && !platforms.isEmpty()) {
            throw new IllegalArgumentException("give either platforms or all platforms, not both");
        }
        if (parallelLayers < 1) {
            throw new IllegalArgumentException("parallel layers must be at least 1, got " + parallelLayers);
        }
        if (format == OutputFormat.ZSTD_CHUNKED && !oci) {
            throw new IllegalArgumentException("zstd:chunked needs OCI media types (Docker has no zstd layer type)");
        }
    }

    /** The host platform, OCI, eStargz, no reuse, default layer options, three layers at a time. */
    public static ImageConvertOptions defaults() {
        return new ImageConvertOptions(List.of(), false, true, false, OutputFormat.ESTARGZ, ConvertOptions.defaults(),
                3, null);
    }

    public ImageConvertOptions withPlatforms(List<Platform> v) {
        return new ImageConvertOptions(v, allPlatforms, oci, reuse, format, layerOptions, parallelLayers, workDir);
    }

    public ImageConvertOptions withAllPlatforms(boolean v) {
        return new ImageConvertOptions(platforms, v, oci, reuse, format, layerOptions, parallelLayers, workDir);
    }

    public ImageConvertOptions withOci(boolean v) {
        return new ImageConvertOptions(platforms, allPlatforms, v, reuse, format, layerOptions, parallelLayers, workDir);
    }

    public ImageConvertOptions withReuse(boolean v) {
        return new ImageConvertOptions(platforms, allPlatforms, oci, v, format, layerOptions, parallelLayers, workDir);
    }

    public ImageConvertOptions withFormat(OutputFormat v) {
        return new ImageConvertOptions(platforms, allPlatforms, oci, reuse, v, layerOptions, parallelLayers, workDir);
    }

    public ImageConvertOptions withLayerOptions(ConvertOptions v) {
        return new ImageConvertOptions(platforms, allPlatforms, oci, reuse, format, v, parallelLayers, workDir);
    }

    public ImageConvertOptions withParallelLayers(int v) {
        return new ImageConvertOptions(platforms, allPlatforms, oci, reuse, format, layerOptions, v, workDir);
    }

    public ImageConvertOptions withWorkDir(Path v) {
        return new ImageConvertOptions(platforms, allPlatforms, oci, reuse, format, layerOptions, parallelLayers, v);
    }
}
