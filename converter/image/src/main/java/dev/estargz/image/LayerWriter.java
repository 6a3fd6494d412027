package dev.estargz.image;

import dev.estargz.format.codec.GzipCodec;
import dev.estargz.format.codec.MemberCodec;
import dev.estargz.format.codec.ZstdChunkedCodec;
import dev.estargz.format.footer.Footer;
import dev.estargz.format.footer.FooterException;
import dev.estargz.format.footer.Footers;
import dev.estargz.format.writer.ConvertOptions;
import dev.estargz.format.writer.ConvertResult;
import dev.estargz.format.writer.EStargzConverter;
import dev.estargz.registry.ByteRange;
import dev.estargz.registry.Digest;
import dev.estargz.registry.FileBlobSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** Writes one layer in the output format and names the annotations its descriptor needs. */
final class LayerWriter {
    private final OutputFormat format;
    private final EStargzConverter converter;

    private LayerWriter(OutputFormat format, MemberCodec codec) {
        this.format = format;
        this.converter = new EStargzConverter(codec);
    }

    /** The writer for {@code format}. */
    static LayerWriter of(OutputFormat format) {
        return new LayerWriter(format, format == OutputFormat.ZSTD_CHUNKED ? new ZstdChunkedCodec() : new GzipCodec());
    }

    ConvertResult convert(InputStream in, OutputStream out, ConvertOptions options) throws IOException {
        return converter.convert(in, out, options);
    }

    /** The layer annotations for the blob written to {@code blob}. */
    Map<String, String> annotations(ConvertResult r, Path blob) throws IOException {
        Map<String, String> a = new HashMap<>();
        a.put(LayerAnnotations.TOC_DIGEST, r.tocDigest().toString());
        a.put(LayerAnnotations.UNCOMPRESSED_SIZE, Long.toString(r.uncompressedSize()));
        if (format == OutputFormat.ZSTD_CHUNKED) {
            // The position and checksum of the compressed TOC, as the reference's zstdchunked compressor sets them.
            try (FileBlobSource src = FileBlobSource.open(blob)) {
                int n = Footer.StargzZstdChunked.SIZE;
                Footer f = Footers.parse(src.read(new ByteRange(src.size() - n, n)));
                if (!(f instanceof Footer.StargzZstdChunked z)) {
                    throw new IOException(blob + ": the zstd:chunked writer wrote a " + f.kind() + " footer");
                }
                byte[] toc = src.read(new ByteRange(z.tocOffset(), z.tocCompressedSize()));
                a.put(LayerAnnotations.ZSTD_MANIFEST_CHECKSUM, Digest.sha256(toc).toString());
                a.put(LayerAnnotations.ZSTD_MANIFEST_POSITION, z.tocOffset() + ":" + z.tocCompressedSize() + ":"
                        + z.tocSize() + ":" + z.manifestType());
            } catch (FooterException e) {
                throw new IOException(blob + ": " + e.getMessage(), e);
            }
        }
        return a;
    }
}
