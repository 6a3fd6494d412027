package dev.estargz.cli;

import dev.estargz.registry.manifest.Platform;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** How {@code inspect}, {@code verify} and {@code toc-digest} pick layers of a registry image (picocli mixin). */
final class ImageLayerOptions {
    @Option(names = "--layer", paramLabel = "DIGEST|INDEX",
            description = "With an image: only this layer, by digest (sha256:...) or by index (0 = bottom layer).")
    String layer;

    @Option(names = "--platform", paramLabel = "OS/ARCH[/VARIANT]",
            description = "With an image index: the image of this platform (default: the host's platform).")
    String platform;

    @Mixin
    RegistryOptions registry;

    /** Fails with a usage error when an option that only images understand was given for a layer file. */
    void rejectForFile(CommandLine cl, String file) {
        if (layer != null || platform != null || registry.plainHttp) {
            throw new ParameterException(cl, "--layer, --platform and --plain-http apply to registry images; "
                    + file + " is a layer file");
        }
    }

    Platform parsedPlatform() {
        return platform == null ? Platform.current() : Platform.parse(platform);
    }
}
