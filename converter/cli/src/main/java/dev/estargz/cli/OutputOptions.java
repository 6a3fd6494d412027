package dev.estargz.cli;

import java.io.PrintWriter;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** What every reporting command shares: {@code --json} and the command line whose stdout results go to. */
final class OutputOptions {
    @Option(names = "--json", description = "Print the result as one JSON object.")
    boolean json;

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    CommandLine commandLine() {
        return spec.commandLine();
    }
}
