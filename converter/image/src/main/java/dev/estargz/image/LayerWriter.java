package dev.estargz.image;

import dev.estargz.format.writer.ConvertOptions;
import dev.estargz.format.writer.ConvertResult;
import dev.estargz.format.writer.EStargzConverter;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Map;

/** Writes one layer in the output format and names the annotations its descriptor needs. */
interface LayerWriter {
    ConvertResult convert(InputStream in, OutputStream out, ConvertOptions options) throws IOException;

    Map<String, String> annotations(ConvertResult r);

    /** The writer for {@code format}. */
    static LayerWriter of(OutputFormat format) {
        if (format == OutputFormat.ZSTD_CHUNKED) {
            throw new UnsupportedOperationException("zstd:chunked output is not available yet");
        }
        EStargzConverter converter = new EStargzConverter();
        return new LayerWriter() {
            @Override
            public ConvertResult convert(InputStream in, OutputStream out, ConvertOptions options) throws IOException {
                return converter.convert(in, out, options);
            }

            @Override
            public Map<String, String> annotations(ConvertResult r) {
                return Map.of(LayerAnnotations.TOC_DIGEST, r.tocDigest().toString(),
                        LayerAnnotations.UNCOMPRESSED_SIZE, Long.toString(r.uncompressedSize()));
            }
        };
    }
}
