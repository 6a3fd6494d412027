package dev.estargz.bench.registry;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.estargz.registry.ByteRange;

/**
 * {@code curl} fetching the same blob over the same link: the baseline. Times are curl's own {@code time_total}
 * (from the start of the transfer, without process start-up), so the comparison does not favour the in-process
 * client.
 */
final class CurlBaseline {
    /** What curl reported for one transfer. */
    record Transfer(int httpCode, long sizeDownload, long nanos, int newConnections) {
    }

    private static final String FORMAT = "%{http_code} %{size_download} %{time_total} %{num_connects}\\n";

    private final String blobUrl;

    CurlBaseline(String blobUrl) {
        this.blobUrl = blobUrl;
    }

    /** One curl process per range: each pays for its own connection. */
    Transfer coldRange(ByteRange r) throws IOException {
        return run(List.of("-sS", "-o", "/dev/null", "-r", spec(r), "-w", FORMAT, blobUrl)).get(0);
    }

    /**
     * All ranges in one curl process with {@code --next}, so curl reuses its connection after the first; the
     * first transfer is returned too (as index 0) for the caller to drop.
     */
    List<Transfer> rangesOnOneConnection(List<ByteRange> ranges) throws IOException {
        List<String> args = new ArrayList<>();
        for (ByteRange r : ranges) {
            if (!args.isEmpty()) {
                args.add("--next");
            }
            args.addAll(List.of("-sS", "-o", "/dev/null", "-r", spec(r), "-w", FORMAT, blobUrl));
        }
        return run(args);
    }

    /** The whole blob to /dev/null. */
    Transfer whole() throws IOException {
        return run(List.of("-sS", "-o", "/dev/null", "-w", FORMAT, blobUrl)).get(0);
    }

    private static String spec(ByteRange r) {
        return r.offset() + "-" + (r.end() - 1);
    }

    private static List<Transfer> run(List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add("curl");
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        try {
            if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IOException("curl failed (exit " + (p.isAlive() ? "timeout" : p.exitValue()) + "): " + out);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for curl", e);
        }
        List<Transfer> transfers = new ArrayList<>();
        for (String line : out.strip().split("\n")) {
            String[] f = line.strip().split(" ");
            transfers.add(new Transfer(Integer.parseInt(f[0]), Long.parseLong(f[1]),
                    (long) (Double.parseDouble(f[2]) * 1e9), Integer.parseInt(f[3])));
        }
        return transfers;
    }
}
