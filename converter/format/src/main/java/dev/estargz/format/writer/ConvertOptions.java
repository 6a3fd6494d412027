package dev.estargz.format.writer;

import dev.estargz.format.codec.GzipCodec;
import java.nio.file.Path;
import java.util.List;

/**
 * How a layer is converted to eStargz.
 *
 * @param chunkSize                largest payload per gzip member (the reference's default is 4 MiB)
 * @param compressionLevel         gzip level 0..9 or -1 (default 9, as the reference)
 * @param threads                  compression threads; the output is the same for any value
 * @param prioritizedFiles         paths moved to the front (with their parents and hardlink targets), then
 *                                 {@code .prefetch.landmark}; empty means {@code .no.prefetch.landmark} first
 * @param allowPrioritizedNotFound skip prioritised paths that are not in the layer instead of failing
 * @param tempDir                  where the decompressed input is staged; null means next to the output (or the
 *                                 system temp directory for stream conversions)
 */
public record ConvertOptions(int chunkSize, int compressionLevel, int threads, List<String> prioritizedFiles,
        boolean allowPrioritizedNotFound, Path tempDir) {
    /** The reference's default chunk size. */
    public static final int DEFAULT_CHUNK_SIZE = 4 << 20;
    /** Largest chunk size accepted. */
    public static final int MAX_CHUNK_SIZE = 1 << 30;

    public ConvertOptions {
        if (chunkSize <= 0 || chunkSize > MAX_CHUNK_SIZE) {
            throw new IllegalArgumentException("chunk size must be 1.." + MAX_CHUNK_SIZE + ", got " + chunkSize);
        }
        if (compressionLevel < -1 || compressionLevel > 9) {
            throw new IllegalArgumentException("compression level must be -1..9, got " + compressionLevel);
        }
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        prioritizedFiles = List.copyOf(prioritizedFiles);
    }

    /** 4 MiB chunks, level 9, one thread per core, nothing prioritised. */
    public static ConvertOptions defaults() {
        return new ConvertOptions(DEFAULT_CHUNK_SIZE, GzipCodec.DEFAULT_LEVEL,
                Runtime.getRuntime().availableProcessors(), List.of(), false, null);
    }

    public ConvertOptions withChunkSize(int v) {
        return new ConvertOptions(v, compressionLevel, threads, prioritizedFiles, allowPrioritizedNotFound, tempDir);
    }

    public ConvertOptions withCompressionLevel(int v) {
        return new ConvertOptions(chunkSize, v, threads, prioritizedFiles, allowPrioritizedNotFound, tempDir);
    }

    public ConvertOptions withThreads(int v) {
        return new ConvertOptions(chunkSize, compressionLevel, v, prioritizedFiles, allowPrioritizedNotFound, tempDir);
    }

    public ConvertOptions withPrioritizedFiles(List<String> v, boolean allowNotFound) {
        return new ConvertOptions(chunkSize, compressionLevel, threads, v, allowNotFound, tempDir);
    }

    public ConvertOptions withTempDir(Path v) {
        return new ConvertOptions(chunkSize, compressionLevel, threads, prioritizedFiles, allowPrioritizedNotFound, v);
    }
}
