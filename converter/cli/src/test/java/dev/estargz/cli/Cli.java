package dev.estargz.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;

/** Runs {@code estargz} in-process, as the launcher would, capturing stdout, stderr and the exit code. */
final class Cli {
    private Cli() {
    }

    record Result(int exitCode, String stdout, String stderr) {
        /** stderr as lines, for "one clear line" assertions. */
        List<String> errLines() {
            return stderr.lines().filter(l -> !l.isBlank()).toList();
        }

        Result ok() {
            if (exitCode != 0) {
                throw new AssertionError("estargz exited with " + exitCode + ": " + stderr);
            }
            return this;
        }
    }

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out), new PrintWriter(err), args);
        return new Result(code, out.toString(), err.toString());
    }
}
