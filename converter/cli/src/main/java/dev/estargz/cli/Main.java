package dev.estargz.cli;

import java.io.PrintWriter;

import picocli.CommandLine;

/** Entry point of the {@code estargz} command. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
    }

    /** Runs one command line with the given output streams and returns the exit code (0, 1 or 2). */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cl = new CommandLine(new EstargzCommand());
        cl.setOut(out);
        cl.setErr(err);
        cl.setParameterExceptionHandler(new FailureReporter());
        cl.setExecutionExceptionHandler(new FailureReporter());
        int code;
        try {
            code = cl.execute(args);
        } catch (StackOverflowError | OutOfMemoryError e) {
            // A bug, not the input's fault, but still one line and a failure, never a JVM trace: no input should
            // get here (nothing recurses on input depth, the TOC and its index are bounded).
            err.println("estargz: " + (e instanceof StackOverflowError ? "stack overflow" : "out of memory: "
                    + e.getMessage()) + " (this is a bug: please report it with the input)");
            code = ExitCodes.FAILURE;
        }
        out.flush();
        err.flush();
        return code;
    }
}
