package dev.estargz.fusefs.index;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.estargz.format.reader.EStargzReader;
import dev.estargz.fusefs.testing.TestLayer;
import dev.estargz.registry.FileBlobSource;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LayerIndexTest {
    @TempDir
    Path tmp;

    private LayerIndex index(Path tree, List<String> prioritized) throws IOException {
        TestLayer l = TestLayer.convert(TestLayer.tar(tree, tmp.resolve("l.tar")), tmp.resolve("l.esgz"),
                prioritized);
        try (FileBlobSource blob = FileBlobSource.open(l.blob())) {
            return LayerIndex.build(EStargzReader.open(blob), OverlayOpaque.ALL);
        }
    }

    private static List<String> names(LayerIndex ix, int dir) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < ix.childCount(dir); i++) {
            out.add(ix.childName(dir, i));
        }
        return out;
    }

    private static int node(LayerIndex ix, int dir, String name) {
        return ix.lookup(dir, name.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void whiteoutsBecomeCharDevicesUnlessARealEntryWinsAndOpaqueMarkersBecomeXattrs() throws IOException {
        Path t = Files.createDirectories(tmp.resolve("t"));
        Files.writeString(t.resolve(".wh.gone"), "");
        Files.writeString(t.resolve(".wh.kept"), "");
        Files.writeString(t.resolve("kept"), "real");
        Files.createDirectories(t.resolve("opq"));
        Files.writeString(t.resolve("opq/.wh..wh..opq"), "");
        Files.writeString(t.resolve("opq/inside"), "x");
        Files.writeString(t.resolve("first"), "prioritised");
        LayerIndex ix = index(t, List.of("first"));

        assertEquals(List.of("first", "gone", "kept", "opq"), names(ix, LayerIndex.ROOT), "landmark hidden");
        int gone = node(ix, LayerIndex.ROOT, "gone");
        assertEquals(0020000, ix.mode(gone), "char device, no permissions");
        assertEquals(0, ix.rdev(gone));
        assertEquals(1, ix.nlink(gone));
        assertEquals(0100000, ix.mode(node(ix, LayerIndex.ROOT, "kept")) & 0170000);
        int opq = node(ix, LayerIndex.ROOT, "opq");
        assertEquals(List.of("inside"), names(ix, opq));
        Map<String, byte[]> x = ix.xattrs(opq);
        assertArrayEquals("y".getBytes(), x.get("trusted.overlay.opaque"));
        assertArrayEquals("y".getBytes(), x.get("user.overlay.opaque"));
        assertEquals(-1, node(ix, LayerIndex.ROOT, ".prefetch.landmark"));
        assertEquals(-1, node(ix, LayerIndex.ROOT, ".wh.gone"));
    }

    @Test
    void aHundredThousandFilesCostUnderAHundredBytesPerTocEntry() throws IOException {
        Path t = Files.createDirectories(tmp.resolve("many"));
        for (int d = 0; d < 100; d++) {
            Path dir = Files.createDirectories(t.resolve("d" + d));
            for (int f = 0; f < 1000; f++) {
                Files.writeString(dir.resolve("file" + f), "content " + d + "/" + f);
            }
        }
        LayerIndex ix = index(t, List.of());
        assertTrue(ix.tocEntries() >= 100_100, ix.toString());
        double perEntry = (double) ix.heapBytes() / ix.tocEntries();
        System.out.printf("index: %d TOC entries, %d bytes, %.1f bytes per entry%n", ix.tocEntries(),
                ix.heapBytes(), perEntry);
        assertTrue(perEntry <= 100, "bytes per TOC entry: " + perEntry);
        int f = node(ix, node(ix, LayerIndex.ROOT, "d42"), "file999");
        assertEquals("content 42/999".length(), ix.size(f));
    }
}
