package dev.estargz.cli;

import java.io.IOException;
import java.nio.file.Path;

import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * The {@code BLOB|IMAGE} argument of {@code inspect}, {@code verify} and {@code toc-digest} with the options that
 * pick an image's layers (picocli mixin): the form of the argument decides which of the two is read.
 */
final class BlobOrImage {
    @Parameters(index = "0", paramLabel = "BLOB|IMAGE", description = "An eStargz layer blob, or a registry image.")
    String target;

    @Mixin
    ImageLayerOptions image;

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    /** True when the argument names a registry image rather than a layer file. */
    boolean isImage() {
        return ImageLayers.isImage(target);
    }

    /** The image's selected layers, resolved with the layer options. */
    ImageLayers openImage() throws IOException {
        return ImageLayers.open(spec.commandLine(), target, image);
    }

    /** The argument as a layer file; a usage error when an option that only images understand was given. */
    Path file() {
        image.rejectForFile(spec.commandLine(), target);
        return Path.of(target);
    }
}
