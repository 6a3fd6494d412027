package dev.estargz.format.prioritize;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;

/**
 * The list of files a conversion moves to the front of a layer, read from a plain list or from the reference's
 * JSON-lines record file ({@code ctr-remote ... --estargz-record-in}).
 *
 * @param paths paths in priority order, without duplicates
 */
public record PrioritizedFiles(List<String> paths) {
    private static final JsonFactory JSON = new JsonFactory();

    public PrioritizedFiles {
        paths = List.copyOf(paths);
    }

    /**
     * One path per line; blank lines and lines starting with {@code #} are skipped, surrounding whitespace is
     * trimmed, duplicates keep their first position.
     */
    public static PrioritizedFiles fromPlainList(Path file) throws IOException {
        LinkedHashSet<String> out = new LinkedHashSet<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            String p = line.strip();
            if (!p.isEmpty() && !p.startsWith("#")) {
                out.add(p);
            }
        }
        return new PrioritizedFiles(new ArrayList<>(out));
    }

    /**
     * A stream of JSON objects {@code {"path": ..., "manifestDigest": ..., "layerIndex": ...}} as the reference's
     * recorder writes them; paths are taken in order, first occurrence wins, other fields are ignored (as
     * {@code ctr-remote image convert --estargz-record-in} does).
     *
     * @throws IOException naming the record that is not such an object
     */
    public static PrioritizedFiles fromRecordFile(Path file) throws IOException {
        LinkedHashSet<String> out = new LinkedHashSet<>();
        try (JsonParser p = JSON.createParser(file.toFile())) {
            int record = 0;
            JsonToken t;
            while ((t = p.nextToken()) != null) {
                record++;
                if (t != JsonToken.START_OBJECT) {
                    throw new IOException(file + ": record " + record + " is not a JSON object");
                }
                String path = null;
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String key = p.currentName().toLowerCase(Locale.ROOT);
                    JsonToken v = p.nextToken();
                    if (key.equals("path") && v == JsonToken.VALUE_STRING) {
                        path = p.getText();
                    } else if (key.equals("path") && v != JsonToken.VALUE_NULL) {
                        throw new IOException(file + ": record " + record + " has a non-string \"path\"");
                    } else {
                        p.skipChildren();
                    }
                }
                // The reference appends the path even when it is missing (""), which then matches the root.
                out.add(path == null ? "" : path);
            }
        } catch (JsonProcessingException e) {
            throw new IOException(file + ": not a JSON-lines record file: " + e.getOriginalMessage(), e);
        }
        return new PrioritizedFiles(new ArrayList<>(out));
    }
}
