package dev.estargz.cli.optimize;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.estargz.registry.Digest;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The files a profiled workload opened, in the order it first opened them, each with the index of the layer that
 * served it (the topmost layer holding it, as overlayfs resolves it). Thread-safe: FUSE threads of every layer
 * record into one instance.
 */
public final class AccessRecord {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One recorded file: {@code path} as the reference writes it (no leading slash). */
    public record Entry(String path, int layerIndex) {
    }

    private final List<Entry> entries = new ArrayList<>();
    private final Set<Entry> seen = new HashSet<>();
    private boolean recording;

    /** From now on opens are recorded (before, the runtime setting up the container opens files too). */
    public synchronized void start() {
        recording = true;
    }

    /** Records an open of {@code path} (absolute in the layer) in layer {@code layerIndex}; repeats are ignored. */
    public synchronized void opened(int layerIndex, String path) {
        if (!recording) {
            return;
        }
        Entry e = new Entry(path.startsWith("/") ? path.substring(1) : path, layerIndex);
        if (seen.add(e)) {
            entries.add(e);
        }
    }

    public synchronized List<Entry> entries() {
        return List.copyOf(entries);
    }

    /** The distinct paths in first-open order: what the conversion puts first. */
    public synchronized List<String> paths() {
        Set<String> out = new LinkedHashSet<>();
        for (Entry e : entries) {
            out.add(e.path());
        }
        return List.copyOf(out);
    }

    /**
     * Writes the record as the reference's {@code ctr-remote image optimize --record-out} does: one JSON object
     * per line, {@code {"path","manifestDigest","layerIndex"}}, readable by {@code convert --record-in} here and by
     * {@code ctr-remote image convert --estargz-record-in}.
     */
    public void write(Path file, Digest manifestDigest) throws IOException {
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (Entry e : entries()) {
                ObjectNode o = JSON.createObjectNode().put("path", e.path())
                        .put("manifestDigest", manifestDigest.toString()).put("layerIndex", e.layerIndex());
                w.write(JSON.writeValueAsString(o));
                w.write('\n');
            }
        }
    }
}
