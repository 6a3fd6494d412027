package dev.estargz.format.writer;

import com.github.luben.zstd.ZstdInputStream;
import dev.estargz.format.InvalidLayerException;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * Stages an input layer as an uncompressed tar file so its entries can be read in any order: gzip and zstd
 * (recognised by their magic bytes) are decompressed to a temporary file, a plain tar file is used in place.
 */
final class LayerInput implements AutoCloseable {
    private final Path tar;
    private final boolean temporary;

    private LayerInput(Path tar, boolean temporary) {
        this.tar = tar;
        this.temporary = temporary;
    }

    /** The compression of an input, from its first bytes. */
    enum Compression { PLAIN, GZIP, ZSTD }

    static Compression sniff(byte[] head, int n) {
        if (n >= 3 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b && head[2] == 8) {
            return Compression.GZIP;
        }
        if (n >= 4 && (head[0] & 0xff) == 0x28 && (head[1] & 0xff) == 0xb5 && (head[2] & 0xff) == 0x2f
                && (head[3] & 0xff) == 0xfd) {
            return Compression.ZSTD;
        }
        return Compression.PLAIN;
    }

    /** Stages a layer file; a plain tar is read where it is. */
    static LayerInput stage(Path in, Path tempDir, String layer) throws IOException {
        byte[] head = new byte[4];
        int n;
        try (InputStream s = Files.newInputStream(in)) {
            n = s.readNBytes(head, 0, 4);
        }
        if (sniff(head, n) == Compression.PLAIN) {
            return new LayerInput(in, false);
        }
        try (InputStream s = Files.newInputStream(in)) {
            return stage(s, tempDir, layer);
        }
    }

    /** Stages a layer stream (always copied to a temporary file). */
    static LayerInput stage(InputStream raw, Path tempDir, String layer) throws IOException {
        BufferedInputStream in = new BufferedInputStream(raw, 64 * 1024);
        in.mark(4);
        byte[] head = new byte[4];
        int n = in.readNBytes(head, 0, 4);
        in.reset();
        Compression c = sniff(head, n);
        Path tmp = Files.createTempFile(tempDir, ".estargz-input-", ".tar");
        try {
            try (InputStream src = open(c, in); OutputStream out = Files.newOutputStream(tmp)) {
                src.transferTo(out);
            } catch (IOException e) {
                if (c == Compression.PLAIN) {
                    throw e;
                }
                throw new InvalidLayerException(layer, null, -1, "input is truncated or corrupt "
                        + c.name().toLowerCase(java.util.Locale.ROOT) + ": " + e.getMessage(), e);
            }
            return new LayerInput(tmp, true);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
    }

    private static InputStream open(Compression c, InputStream in) throws IOException {
        return switch (c) {
            case GZIP -> GzipCompressorInputStream.builder().setInputStream(in).setDecompressConcatenated(true).get();
            case ZSTD -> new ZstdInputStream(in);
            case PLAIN -> in;
        };
    }

    /** The uncompressed tar. */
    Path tar() {
        return tar;
    }

    @Override
    public void close() throws IOException {
        if (temporary) {
            Files.deleteIfExists(tar);
        }
    }
}
