package dev.estargz.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code estargz inspect BLOB|IMAGE}: footer, TOC summary, landmark and prefetch size, optionally every entry. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = {"Show an eStargz blob's footer, TOC summary, landmark and prefetch size.",
                "With a registry image (host[:port]/repo:tag or docker://REF), show each layer (or the one "
                        + "--layer names), reading only its footer and TOC with ranged requests."})
final class InspectCommand implements Callable<Integer> {
    @Mixin
    BlobOrImage target;

    @Option(names = {"-e", "--entries"}, description = "Also list every TOC entry.")
    boolean entries;

    @Mixin
    OutputOptions output;

    @Override
    public Integer call() throws Exception {
        if (target.isImage()) {
            return inspectImage();
        }
        Path blob = target.file();
        try (LayerFile layer = LayerFile.open(blob)) {
            InspectReport.of(blob.toString(), layer.reader()).print(output.out(), output.json, entries);
        }
        return ExitCodes.OK;
    }

    private int inspectImage() throws Exception {
        try (ImageLayers layers = target.openImage()) {
            List<ImageLayers.Outcome<InspectReport>> outcomes = layers.each((l, r, s) -> InspectReport.of(l.name(), r));
            if (output.json) {
                ObjectNode o = Json.object().put("image", layers.pinned().toString());
                ArrayNode a = o.putArray("layers");
                for (ImageLayers.Outcome<InspectReport> x : outcomes) {
                    ObjectNode j = x.ok() ? x.result().toJson(entries) : Json.object().put("blob", x.layer().name())
                            .put("error", FailureReporter.describe(x.failure()));
                    a.add(j.put("index", x.layer().index()));
                }
                output.out().println(o);
            } else {
                output.out().println("image:         " + layers.pinned());
                for (ImageLayers.Outcome<InspectReport> x : outcomes) {
                    output.out().println();
                    output.out().println("layer " + x.layer().index() + " of " + x.layer().count()
                            + (x.ok() ? "" : ": see the error below"));
                    if (x.ok()) {
                        x.result().print(output.out(), false, entries);
                    }
                }
            }
            return ImageLayers.reportFailures(output.commandLine().getErr(), outcomes);
        }
    }
}
