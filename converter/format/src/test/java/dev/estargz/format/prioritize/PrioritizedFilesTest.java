package dev.estargz.format.prioritize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PrioritizedFilesTest {
    @TempDir
    Path tmp;

    @Test
    void aPlainListSkipsBlanksAndCommentsAndKeepsFirstOccurrences() throws Exception {
        Path f = tmp.resolve("list");
        Files.writeString(f, "# files the entrypoint reads\n/bin/sh\n\n  /etc/passwd  \n/bin/sh\nusr/lib/x\n");
        assertEquals(List.of("/bin/sh", "/etc/passwd", "usr/lib/x"), PrioritizedFiles.fromPlainList(f).paths());
    }

    @Test
    void aRecordFileGivesPathsInOrderDeduplicated() throws Exception {
        Path f = tmp.resolve("record.json");
        Files.writeString(f, "{\"path\":\"/bin/sh\",\"manifestDigest\":\"sha256:aa\",\"layerIndex\":0}\n"
                + "{\"path\":\"/etc/passwd\",\"manifestDigest\":\"sha256:aa\",\"layerIndex\":2}\n"
                + "{\"path\":\"/bin/sh\",\"manifestDigest\":\"sha256:aa\",\"layerIndex\":0}\n"
                + "{\"path\":\"/lib/x\"}");
        assertEquals(List.of("/bin/sh", "/etc/passwd", "/lib/x"), PrioritizedFiles.fromRecordFile(f).paths());
    }

    @Test
    void aRecordFileThatIsNotJsonLinesIsRejected() throws Exception {
        Path f = tmp.resolve("bad.json");
        Files.writeString(f, "/bin/sh\n/etc/passwd\n");
        IOException e = assertThrows(IOException.class, () -> PrioritizedFiles.fromRecordFile(f));
        assertTrue(e.getMessage().contains("bad.json"), e.getMessage());
        Files.writeString(f, "[\"/bin/sh\"]");
        assertThrows(IOException.class, () -> PrioritizedFiles.fromRecordFile(f));
    }
}
