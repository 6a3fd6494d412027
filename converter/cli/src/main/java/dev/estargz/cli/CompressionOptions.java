package dev.estargz.cli;

import dev.estargz.format.writer.ConvertOptions;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** How layers are written: chunk size, compression level, threads (picocli mixin of convert and optimize). */
final class CompressionOptions {
    @Option(names = "--chunk-size", paramLabel = "BYTES", defaultValue = "" + ConvertOptions.DEFAULT_CHUNK_SIZE,
            description = "Largest payload per gzip member (default: ${DEFAULT-VALUE}).")
    int chunkSize;

    @Option(names = "--compression-level", paramLabel = "N", defaultValue = "9",
            description = "gzip level 0-9 (default: ${DEFAULT-VALUE}, as the reference).")
    int level;

    @Option(names = "--threads", paramLabel = "N", description = "Compression threads (default: one per core).")
    Integer threads;

    /** The options given, checked; no prioritised files yet. */
    ConvertOptions toOptions(CommandLine cl) {
        if (chunkSize <= 0 || chunkSize > ConvertOptions.MAX_CHUNK_SIZE) {
            throw new ParameterException(cl, "--chunk-size must be 1.." + ConvertOptions.MAX_CHUNK_SIZE + ", got "
                    + chunkSize);
        }
        if (level < 0 || level > 9) {
            throw new ParameterException(cl, "--compression-level must be 0..9, got " + level);
        }
        if (threads != null && threads < 1) {
            throw new ParameterException(cl, "--threads must be at least 1, got " + threads);
        }
        ConvertOptions o = ConvertOptions.defaults().withChunkSize(chunkSize).withCompressionLevel(level);
        return threads != null ? o.withThreads(threads) : o;
    }

    /** True when --compression-level was typed (zstd:chunked has another default level). */
    static boolean levelGiven(CommandLine cl) {
        return cl.getParseResult().hasMatchedOption("--compression-level");
    }
}
