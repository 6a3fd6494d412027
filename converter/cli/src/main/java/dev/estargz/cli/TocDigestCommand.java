package dev.estargz.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import dev.estargz.registry.Digest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code estargz toc-digest BLOB|IMAGE}: the value for the {@code containerd.io/snapshot/stargz/toc.digest} annotation. */
@Command(name = "toc-digest", mixinStandardHelpOptions = true,
        description = {"Print the digest of the blob's TOC JSON (the layer's toc.digest annotation).",
                "With a registry image (host[:port]/repo:tag or docker://REF), print LAYER-DIGEST TOC-DIGEST for "
                        + "each layer, or only the TOC digest of the one --layer names; only footers and TOCs are "
                        + "fetched, with ranged requests."})
final class TocDigestCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "BLOB|IMAGE", description = "An eStargz layer blob, or a registry image.")
    String target;

    @Mixin
    ImageLayerOptions image;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (ImageLayers.isImage(target)) {
            return imageTocDigests();
        }
        image.rejectForFile(spec.commandLine(), target);
        try (LayerFile layer = LayerFile.open(Path.of(target))) {
            spec.commandLine().getOut().println(layer.reader().tocDigest());
        }
        return ExitCodes.OK;
    }

    private int imageTocDigests() throws Exception {
        try (ImageLayers layers = ImageLayers.open(spec.commandLine(), target, image)) {
            List<ImageLayers.Outcome<Digest>> outcomes = layers.each((l, r, s) -> r.tocDigest());
            for (ImageLayers.Outcome<Digest> x : outcomes) {
                if (x.ok()) {
                    spec.commandLine().getOut().println(image.layer != null ? x.result().toString()
                            : x.layer().descriptor().digest() + " " + x.result());
                }
            }
            return ImageLayers.reportFailures(spec.commandLine().getErr(), outcomes);
        }
    }
}
