package dev.estargz.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.estargz.format.reader.EStargzReader;
import dev.estargz.format.reader.LayerVerifier;
import dev.estargz.image.LayerAnnotations;
import dev.estargz.registry.Digest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * {@code estargz verify BLOB|IMAGE [--toc-digest D]}: the TOC against its digest, and every member, chunk and file
 * against the TOC.
 */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = {"Check the TOC against a digest (from the layer's toc.digest annotation), and against the TOC "
                + "every chunk (chunkDigest) and every regular file (digest); every gzip member must decompress whole "
                + "and match its CRC-32.",
                "With a registry image (host[:port]/repo:tag or docker://REF), check each layer (or the one --layer "
                        + "names) against the " + LayerAnnotations.TOC_DIGEST + " annotation of the manifest, "
                        + "fetching chunks in batches of ranged requests.",
                "Exits with 1 and names the problems found."})
final class VerifyCommand implements Callable<Integer> {
    @Mixin
    BlobOrImage target;

    @Option(names = "--toc-digest", paramLabel = "DIGEST", converter = DigestConverter.class,
            description = "Expected TOC digest (sha256:...). Without it the TOC is only checked for consistency "
                    + "(a layer of an image is checked against its annotation).")
    Digest tocDigest;

    @Mixin
    OutputOptions output;

    @Override
    public Integer call() throws Exception {
        if (target.isImage()) {
            return verifyImage();
        }
        Path blob = target.file();
        try (LayerFile layer = LayerFile.open(blob)) {
            EStargzReader r = layer.reader();
            r.verifyToc(tocDigest != null ? tocDigest : r.tocDigest());
            long chunks = LayerVerifier.verify(r, layer.source()).chunks();
            VerifyReport report = new VerifyReport(blob.toString(), r.tocDigest().toString(),
                    tocDigest != null ? "--toc-digest" : null, chunks);
            report.print(output.out(), output.json);
        }
        return ExitCodes.OK;
    }

    private int verifyImage() throws Exception {
        try (ImageLayers layers = target.openImage()) {
            if (tocDigest != null && layers.selected().size() != 1) {
                throw new ParameterException(output.commandLine(), "--toc-digest needs one layer: add --layer");
            }
            List<ImageLayers.Outcome<VerifyReport>> outcomes = layers.each((l, r, source) -> {
                Optional<Digest> annotated = l.annotatedTocDigest();
                Digest expected = tocDigest != null ? tocDigest : annotated.orElse(r.tocDigest());
                r.verifyToc(expected);
                long chunks = LayerVerifier.verify(r, source).chunks();
                String against = tocDigest != null ? "--toc-digest"
                        : annotated.isPresent() ? "the layer's toc.digest annotation" : null;
                return new VerifyReport(l.name(), r.tocDigest().toString(), against, chunks);
            });
            if (output.json) {
                boolean ok = outcomes.stream().allMatch(ImageLayers.Outcome::ok);
                ObjectNode o = Json.object().put("image", layers.pinned().toString()).put("ok", ok);
                ArrayNode a = o.putArray("layers");
                for (ImageLayers.Outcome<VerifyReport> x : outcomes) {
                    ObjectNode j = x.ok() ? x.result().toJson() : Json.object().put("blob", x.layer().name())
                            .put("ok", false).put("error", FailureReporter.describe(x.failure()));
                    a.add(j.put("index", x.layer().index()));
                }
                output.out().println(o);
            } else {
                for (ImageLayers.Outcome<VerifyReport> x : outcomes) {
                    if (x.ok()) {
                        x.result().print(output.out(), false);
                    }
                }
            }
            return ImageLayers.reportFailures(output.commandLine().getErr(), outcomes);
        }
    }
}
