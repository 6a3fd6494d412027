package dev.estargz.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import dev.estargz.registry.manifest.Platform;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The options of {@code convert} that apply only when SRC and DST are images (picocli mixin). */
final class ImageOptions {
    @Option(names = "--platform", paramLabel = "OS/ARCH[/VARIANT]",
            description = "Convert this platform of an index (repeatable). Default: the host's platform; "
                    + "other platforms are kept unchanged in the index.")
    List<String> platforms = new ArrayList<>();

    @Option(names = "--all-platforms", description = "Convert every platform of an index.")
    boolean allPlatforms;

    @Option(names = "--oci", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Write OCI media types (default). --no-oci keeps Docker media types, which cannot carry "
                    + "the TOC digest annotation: lazy pulling then does not work (a warning is printed).")
    boolean oci;

    @Option(names = "--reuse",
            description = "Keep layers that already are eStargz (zstd:chunked with --zstdchunked) after checking "
                    + "their footer and their TOC against the TOC digest annotation.")
    boolean reuse;

    @Option(names = "--zstdchunked",
            description = "Write zstd:chunked instead of eStargz: the variant stargz-snapshotter writes and reads "
                    + "(40-byte footer \"GnUlInUx\", io.containers.zstd-chunked.* annotations), not the 64-byte "
                    + "variant of current containers/storage. --compression-level is then a zstd level (default 3).")
    boolean zstdChunked;

    @Mixin
    RegistryOptions registry;

    @Option(names = "--parallel-layers", paramLabel = "N", defaultValue = "3",
            description = "Layers downloaded, converted and uploaded at once (default: ${DEFAULT-VALUE}).")
    int parallelLayers;

    @Option(names = "--temp-dir", paramLabel = "DIR",
            description = "Where layers are staged while they convert (default: the system temporary directory).")
    Path tempDir;

    /** The platforms given, parsed. */
    List<Platform> parsedPlatforms() {
        List<Platform> out = new ArrayList<>();
        for (String p : platforms) {
            out.add(Platform.parse(p));
        }
        return out;
    }

    /** True when an option that only images understand was given. */
    boolean anyImageOnlyOptionGiven() {
        return !platforms.isEmpty() || allPlatforms || reuse || zstdChunked || registry.plainHttp || !oci;
    }
}
