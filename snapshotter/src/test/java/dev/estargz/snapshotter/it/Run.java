package dev.estargz.snapshotter.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs a command to completion (bounded), capturing stdout and stderr together. */
record Run(int exit, String output) {

    static Run of(List<String> argv) throws IOException {
        return of(argv, Map.of(), 5);
    }

    /** As {@link #of(List)}, with {@code env} added to the command's environment, bounded by {@code minutes}. */
    static Run of(List<String> argv, Map<String, String> env, int minutes) throws IOException {
        Path out = Files.createTempFile("esz-run-", ".log");
        try {
            ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(out.toFile());
            pb.environment().putAll(env);
            Process p = pb.start();
            if (!p.waitFor(minutes, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IOException("timed out after " + minutes + " min: " + argv);
            }
            return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + argv, e);
        } finally {
            Files.deleteIfExists(out);
        }
    }

    static Run check(List<String> argv) throws IOException {
        Run r = of(argv);
        if (r.exit != 0) {
            throw new IOException("exit " + r.exit + ": " + argv + "\n" + r.output);
        }
        return r;
    }

    /** One command to {@link #retry}. */
    interface Step {
        Run run() throws IOException;
    }

    /** Runs {@code step} until it exits 0, for at most 30 s; returns the last run. */
    static Run retry(Step step) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        Run r = step.run();
        while (r.exit() != 0 && System.nanoTime() < deadline) {
            DaemonProcess.sleep(250);
            r = step.run();
        }
        return r;
    }

    /** The Prometheus text served at http://127.0.0.1:{@code port}/metrics. */
    static String scrape(int port) throws IOException, InterruptedException {
        return java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).body();
    }

    /** The value of the unlabelled sample {@code name} at http://127.0.0.1:{@code port}/metrics, 0 when absent. */
    static double counter(int port, String name) throws IOException, InterruptedException {
        for (String line : scrape(port).split("\n")) {
            if (line.startsWith(name + " ")) {
                return Double.parseDouble(line.substring(name.length() + 1).trim());
            }
        }
        return 0;
    }
}
