package dev.estargz.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The top-level {@code estargz} command; it only groups the subcommands. */
@Command(name = "estargz", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Convert container image layers to eStargz and inspect or verify eStargz layers.",
        subcommands = {ConvertCommand.class, OptimizeCommand.class, InspectCommand.class, VerifyCommand.class,
                TocDigestCommand.class, MountCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:success", "1:invalid layer, failed verification or failed conversion", "2:usage error"})
final class EstargzCommand implements Runnable {
    @Option(names = "--debug", scope = picocli.CommandLine.ScopeType.INHERIT,
            description = "Log details and stack traces to stderr.")
    void setDebug(boolean debug) {
        if (debug) {
            Logging.enableDebug();
        }
    }

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "missing command");
    }
}
