package dev.estargz.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;

import dev.estargz.format.reader.EStargzReader;
import dev.estargz.registry.Digest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code estargz verify BLOB [--toc-digest D]}: the TOC against its digest and every chunk against the TOC. */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = {"Check the TOC against a digest (from the layer's toc.digest annotation) and every chunk "
                + "against the TOC.", "Exits with 1 and names the first problem found."})
final class VerifyCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "BLOB", description = "An eStargz layer blob.")
    Path blob;

    @Option(names = "--toc-digest", paramLabel = "DIGEST", converter = DigestConverter.class,
            description = "Expected TOC digest (sha256:...). Without it the TOC is only checked for consistency.")
    Digest tocDigest;

    @Mixin
    OutputOptions output;

    @Override
    public Integer call() throws Exception {
        try (LayerFile layer = LayerFile.open(blob)) {
            EStargzReader r = layer.reader();
            r.verifyToc(tocDigest != null ? tocDigest : r.tocDigest());
            long chunks = r.verifyAllChunks();
            VerifyReport report = new VerifyReport(blob.toString(), r.tocDigest().toString(), tocDigest != null,
                    chunks);
            report.print(output.out(), output.json);
        }
        return ExitCodes.OK;
    }
}
