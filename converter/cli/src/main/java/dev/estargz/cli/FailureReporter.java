package dev.estargz.cli;

import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import picocli.CommandLine;

/**
 * Turns every failure into one line on stderr and an exit code: usage errors give 2, everything else 1. The
 * stack trace is logged at debug level ({@code --debug}) so users see the cause and developers can see where.
 */
final class FailureReporter implements CommandLine.IParameterExceptionHandler, CommandLine.IExecutionExceptionHandler {
    private static final Logger LOG = LoggerFactory.getLogger(FailureReporter.class);

    @Override
    public int handleParseException(CommandLine.ParameterException ex, String[] args) {
        PrintWriter err = ex.getCommandLine().getErr();
        err.println("estargz: " + ex.getMessage());
        err.println("Try '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help' for more information.");
        return ExitCodes.USAGE;
    }

    @Override
    public int handleExecutionException(Exception ex, CommandLine cl, CommandLine.ParseResult parseResult) {
        LOG.debug("command failed", ex);
        cl.getErr().println("estargz: " + describe(ex));
        return ExitCodes.FAILURE;
    }

    /** One line naming the problem; JDK file exceptions only carry the path, so say what happened to it. */
    static String describe(Throwable ex) {
        if (ex instanceof NoSuchFileException e) {
            return e.getFile() + ": no such file";
        }
        if (ex instanceof AccessDeniedException e) {
            return e.getFile() + ": permission denied";
        }
        if (ex instanceof FileAlreadyExistsException e) {
            return e.getFile() + ": already exists";
        }
        String msg = ex.getMessage();
        if (msg == null || msg.isBlank()) {
            msg = ex.getClass().getSimpleName();
        }
        return msg.replace('\n', ' ');
    }
}
