package dev.estargz.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

import dev.estargz.registry.Digest;

/**
 * Our Go program {@code estargz-check} (source in {@code converter/cli/src/test/go/estargz-check}), built
 * against Debian's copy of the reference library. It is the independent judge of the blobs we write: the
 * reference reader opens them, verifies the TOC and every chunk, and lists the tree it sees.
 */
public final class GoChecker {
    /** Where Debian's golang-github-containerd-stargz-snapshotter-dev puts the reference library. */
    public static final Path GOCODE = Path.of("/usr/share/gocode");
    private static final String SOURCE = "converter/cli/src/test/go/estargz-check";

    private final Path binary;

    private GoChecker(Path binary) {
        this.binary = binary;
    }

    /** Builds the checker once per source version (cached under {@link TestCache}) and returns it. */
    public static GoChecker build() throws IOException {
        Path src = Checkout.resolve(SOURCE);
        String key = "go-checker-" + sourceHash(src);
        Path bin = TestCache.file(key, "estargz-check", target -> {
            // GOPATH mode against Debian's gocode tree: offline, and exactly the library version Debian ships.
            Path gopath = Files.createDirectories(TestCache.root().resolve("gopath"));
            Command.of("go", "build", "-o", target.toString(), ".")
                    .in(src)
                    .env("GO111MODULE", "off")
                    .env("GOPATH", gopath + ":" + GOCODE)
                    .env("GOCACHE", TestCache.root().resolve("go-build").toString())
                    .env("GOFLAGS", "")
                    .timeout(Duration.ofMinutes(5))
                    .check();
        });
        return new GoChecker(bin);
    }

    private static String sourceHash(Path src) throws IOException {
        MessageDigest md = Digest.newSha256();
        try (Stream<Path> files = Files.list(src)) {
            for (Path f : files.filter(f -> f.toString().endsWith(".go")).sorted().toList()) {
                md.update(f.getFileName().toString().getBytes());
                md.update(Files.readAllBytes(f));
            }
        }
        return HexFormat.of().formatHex(md.digest()).substring(0, 16);
    }

    /** Runs {@code estargz-check blob}; a failed verification shows up as a non-zero exit code. */
    public Command.Result checkBlob(Path blob, String tocDigest) throws IOException {
        List<String> argv = new ArrayList<>(List.of(binary.toString(), "blob"));
        if (tocDigest != null) {
            argv.add("-toc-digest");
            argv.add(tocDigest);
        }
        argv.add(blob.toString());
        return Command.of(argv).timeout(Duration.ofMinutes(5)).run();
    }

    /** Runs {@code estargz-check zstdchunked}: the reference reader with its zstd:chunked decompressor. */
    public Command.Result checkZstdChunked(Path blob, String tocDigest) throws IOException {
        return Command.of(binary.toString(), "zstdchunked", "-toc-digest", tocDigest, blob.toString())
                .timeout(Duration.ofMinutes(5)).run();
    }

    /** The tree the reference reader sees in {@code blob}, after it verified the TOC and every chunk. */
    public TreeListing listBlob(Path blob, String tocDigest) throws IOException {
        return TreeListing.parse(checkBlob(blob, tocDigest).check().lines());
    }

    /** The tree in a tar (plain or gzip; an eStargz blob read as an ordinary gzip tar also works). */
    public TreeListing listTar(Path tar) throws IOException {
        return TreeListing.parse(Command.of(binary.toString(), "tar", tar.toString()).check().lines());
    }

    /** Writes the synthetic tar holding every entry type; {@code format} is ustar, pax or gnu. */
    public void makeTar(String format, Path out) throws IOException {
        Command.of(binary.toString(), "mktar", "-format", format, out.toString()).check();
    }

    /** What the reference writer reports for a blob it built. */
    public record ReferenceBlob(Path blob, String tocDigest, String diffId) {
    }

    /** Converts {@code tar} with the reference writer ({@code estargz.Build}). */
    public ReferenceBlob referenceBuild(Path tar, Path out, int chunkSize) throws IOException {
        String[] words = Command.of(binary.toString(), "build", "-chunk-size", Integer.toString(chunkSize),
                tar.toString(), out.toString()).check().stdout().trim().split(" ");
        return new ReferenceBlob(out, words[0], words[1]);
    }
}
