package dev.estargz.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code estargz inspect BLOB}: footer, TOC summary, landmark and prefetch size, optionally every entry. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Show an eStargz blob's footer, TOC summary, landmark and prefetch size.")
final class InspectCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "BLOB", description = "An eStargz layer blob.")
    Path blob;

    @Option(names = {"-e", "--entries"}, description = "Also list every TOC entry.")
    boolean entries;

    @Mixin
    OutputOptions output;

    @Override
    public Integer call() throws Exception {
        try (LayerFile layer = LayerFile.open(blob)) {
            InspectReport.of(blob.toString(), layer.reader()).print(output.out(), output.json, entries);
        }
        return ExitCodes.OK;
    }
}
