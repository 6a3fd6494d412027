package dev.estargz.format.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A layer of many small files, 999 to a directory, each with its own member: the shape that makes the TOC large
 * and the verifier decompress a member per entry.
 *
 * <p>Run by hand to measure a million entries (the test suite uses fewer):
 * {@code java -Xmx3g -cp <format test classes and test class path> dev.estargz.format.testing.ManyEntriesLayer
 * 1000000 /tmp/1m.esgz}, then {@code ESTARGZ_JAVA_OPTS=-Xmx512m /usr/bin/time -v bin/estargz verify /tmp/1m.esgz}.
 */
public final class ManyEntriesLayer {
    private ManyEntriesLayer() {
    }

    /** {@code entries} TOC entries: a directory, then 999 files in it, and so on. */
    public static byte[] build(int entries) throws IOException {
        RawLayer layer = new RawLayer();
        for (int i = 0; i < entries; i++) {
            if (i % 1000 == 0) {
                layer.dir("d" + i / 1000 + "/");
            } else {
                layer.file("d" + i / 1000 + "/file-" + i + ".txt", "content of " + i + "\n");
            }
        }
        return layer.build();
    }

    public static void main(String[] args) throws IOException {
        Files.write(Path.of(args[1]), build(Integer.parseInt(args[0])));
    }
}
