package dev.estargz.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.estargz.testkit.Checkout;
import dev.estargz.testkit.Command;
import dev.estargz.testkit.TestLayers;

/** {@code bin/estargz} runs the packaged CLI with its copied dependencies and passes exit codes through. */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class LauncherIT {
    private static final String LAUNCHER = Checkout.resolve("bin/estargz").toString();

    @TempDir
    Path tmp;

    @Test
    void printsTheVersionFromTheJarManifest() throws IOException {
        Command.Result r = Command.of(LAUNCHER, "--version").check();

        assertTrue(r.stdout().matches("estargz \\d+\\.\\d+\\.\\d+.*\\s*"), r.stdout());
    }

    @Test
    void convertsAndVerifiesALayer() throws IOException {
        Path out = tmp.resolve("bb.esgz");

        Command.of(LAUNCHER, "convert", TestLayers.busybox().toString(), out.toString()).check();
        String toc = Command.of(LAUNCHER, "toc-digest", out.toString()).check().stdout().strip();
        Command.Result verify = Command.of(LAUNCHER, "verify", "--toc-digest", toc, out.toString()).check();

        assertTrue(verify.stdout().contains("OK"), verify.stdout());
        assertTrue(Files.size(out) > 0);
    }

    @Test
    void passesExitCodesThrough() throws IOException {
        assertEquals(2, Command.of(LAUNCHER, "convert").run().exitCode());
        Command.Result bad = Command.of(LAUNCHER, "inspect", "/etc/hostname").run();
        assertEquals(1, bad.exitCode());
        assertEquals(1, bad.stderr().lines().count(), bad.stderr());
    }
}
