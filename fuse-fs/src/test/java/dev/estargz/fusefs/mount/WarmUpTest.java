package dev.estargz.fusefs.mount;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.estargz.fusefs.fuse.MountTable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The warm-up every daemon and fuse manager runs at start goes all the way (convert, open, a FUSE mount read through
 * the registry client from a loopback registry, range reads, digests) without failing, and leaves nothing behind:
 * a warm-up that quietly failed would only show as a slower first pull.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class WarmUpTest {
    @TempDir
    Path tmp;

    @Test
    void runsToTheEndAndLeavesNoMountOrFile() throws IOException {
        Path scratch = tmp.resolve("scratch");
        WarmUp.runOrThrow(scratch, FsOptions.defaults());
        try (Stream<Path> left = Files.list(scratch)) {
            assertEquals(List.of(), left.toList());
        }
        assertTrue(MountTable.read().stream().noneMatch(e -> e.mountPoint().startsWith(tmp)),
                "no mount left under " + tmp);
    }
}
