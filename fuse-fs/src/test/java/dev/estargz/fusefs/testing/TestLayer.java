package dev.estargz.fusefs.testing;

import dev.estargz.format.writer.ConvertOptions;
import dev.estargz.format.writer.ConvertResult;
import dev.estargz.format.writer.EStargzConverter;
import dev.estargz.registry.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** A layer made for a test: the tar, its eStargz blob, and the digests a manifest would carry. */
public record TestLayer(Path tar, Path blob, Digest blobDigest, Digest tocDigest, long prefetchSize) {

    /** Tars {@code tree} with GNU tar (PAX, xattrs, numeric owners) into {@code dir}. */
    public static Path tar(Path tree, Path out) throws IOException {
        Sh.run(null, "tar", "--xattrs", "--xattrs-include=*", "--format=pax", "--numeric-owner", "--sort=name",
                "-C", tree.toString(), "-cf", out.toString(), ".");
        return out;
    }

    /** Converts a tar with our writer (level 1 for speed, 64 KiB chunks so that files span several). */
    public static TestLayer convert(Path tar, Path blob, List<String> prioritized) throws IOException {
        ConvertOptions o = ConvertOptions.defaults().withChunkSize(64 * 1024).withCompressionLevel(1)
                .withPrioritizedFiles(prioritized, false);
        ConvertResult r = new EStargzConverter().convert(tar, blob, o);
        return new TestLayer(tar, blob, r.blobDigest(), r.tocDigest(), r.prefetchSize());
    }

    /** Unpacks the tar with GNU tar as root would (owners, modes, xattrs, devices). */
    public Path unpack(Path dir) throws IOException {
        Files.createDirectories(dir);
        Sh.run(null, "tar", "--xattrs", "--xattrs-include=*", "--numeric-owner", "-xpf", tar.toString(), "-C",
                dir.toString());
        return dir;
    }

    public byte[] blobBytes() throws IOException {
        try (InputStream in = Files.newInputStream(blob)) {
            return in.readAllBytes();
        }
    }
}
