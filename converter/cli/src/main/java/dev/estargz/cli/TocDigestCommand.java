package dev.estargz.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code estargz toc-digest BLOB}: the value for the {@code containerd.io/snapshot/stargz/toc.digest} annotation. */
@Command(name = "toc-digest", mixinStandardHelpOptions = true,
        description = "Print the digest of the blob's TOC JSON (the layer's toc.digest annotation).")
final class TocDigestCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "BLOB", description = "An eStargz layer blob.")
    Path blob;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        try (LayerFile layer = LayerFile.open(blob)) {
            spec.commandLine().getOut().println(layer.reader().tocDigest());
        }
        return ExitCodes.OK;
    }
}
