package dev.estargz.cli;

import java.util.List;
import java.util.concurrent.Callable;

import dev.estargz.registry.Digest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code estargz toc-digest BLOB|IMAGE}: the value for the {@code containerd.io/snapshot/stargz/toc.digest} annotation. */
@Command(name = "toc-digest", mixinStandardHelpOptions = true,
        description = {"Print the digest of the blob's TOC JSON (the layer's toc.digest annotation).",
                "With a registry image (host[:port]/repo:tag or docker://REF), print LAYER-DIGEST TOC-DIGEST for "
                        + "each layer, or only the TOC digest of the one --layer names; only footers and TOCs are "
                        + "fetched, with ranged requests."})
final class TocDigestCommand implements Callable<Integer> {
    @Mixin
    BlobOrImage target;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (target.isImage()) {
            return imageTocDigests();
        }
        try (LayerFile layer = LayerFile.open(target.file())) {
            spec.commandLine().getOut().println(layer.reader().tocDigest());
        }
        return ExitCodes.OK;
    }

    private int imageTocDigests() throws Exception {
        try (ImageLayers layers = target.openImage()) {
            List<ImageLayers.Outcome<Digest>> outcomes = layers.each((l, r, s) -> r.tocDigest());
            for (ImageLayers.Outcome<Digest> x : outcomes) {
                if (x.ok()) {
                    spec.commandLine().getOut().println(target.image.layer != null ? x.result().toString()
                            : x.layer().descriptor().digest() + " " + x.result());
                }
            }
            return ImageLayers.reportFailures(spec.commandLine().getErr(), outcomes);
        }
    }
}
