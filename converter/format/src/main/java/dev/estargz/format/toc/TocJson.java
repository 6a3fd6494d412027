package dev.estargz.format.toc;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The TOC JSON codec. {@link #write} emits byte for byte what the reference's
 * {@code json.MarshalIndent(toc, "", "\t")} emits; {@link #parse} reads what any reference version writes
 * (omitted zero fields, base64 xattrs, unknown fields such as {@code NumLink}, case-insensitive keys as Go's
 * decoder accepts them).
 */
public final class TocJson {
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxStringLength(Integer.MAX_VALUE)
                    .maxNestingDepth(64)
                    .build())
            .build();

    private TocJson() {
    }

    /** The TOC as the reference serialises it: tab-indented, struct field order, no trailing newline. */
    public static byte[] write(Toc toc) {
        StringBuilder sb = new StringBuilder(256 + toc.entries().size() * 256);
        sb.append("{\n\t\"version\": ").append(toc.version()).append(",\n\t\"entries\": ");
        if (toc.entries().isEmpty()) {
            // A Go nil slice: the reference's Writer with no entries writes null.
            sb.append("null");
        } else {
            sb.append("[\n");
            boolean first = true;
            for (TocEntry e : toc.entries()) {
                if (!first) {
                    sb.append(",\n");
                }
                first = false;
                appendEntry(sb, e);
            }
            sb.append("\n\t]");
        }
        sb.append("\n}");
        return GoJsonText.utf8(sb);
    }

    private static void appendEntry(StringBuilder sb, TocEntry e) {
        sb.append("\t\t{\n");
        Fields f = new Fields(sb);
        f.string("name", e.name(), true);
        f.string("type", e.type().json(), true);
        f.number("size", e.size());
        f.string("modtime", e.modTime(), false);
        f.string("linkName", e.linkName(), false);
        f.number("mode", e.mode());
        f.number("uid", e.uid());
        f.number("gid", e.gid());
        f.string("userName", e.userName(), false);
        f.string("groupName", e.groupName(), false);
        f.number("offset", e.offset());
        f.number("innerOffset", e.innerOffset());
        f.number("devMajor", e.devMajor());
        f.number("devMinor", e.devMinor());
        if (!e.xattrs().isEmpty()) {
            f.key("xattrs");
            sb.append("{\n");
            boolean first = true;
            for (Map.Entry<String, byte[]> x : e.xattrs().entrySet()) {
                if (!first) {
                    sb.append(",\n");
                }
                first = false;
                sb.append("\t\t\t\t");
                GoJsonText.appendString(sb, x.getKey());
                sb.append(": \"").append(Base64.getEncoder().encodeToString(x.getValue())).append('"');
            }
            sb.append("\n\t\t\t}");
        }
        f.string("digest", e.digest(), false);
        f.number("chunkOffset", e.chunkOffset());
        f.number("chunkSize", e.chunkSize());
        f.string("chunkDigest", e.chunkDigest(), false);
        sb.append("\n\t\t}");
    }

    /** Writes omitempty fields with the separators MarshalIndent puts between them. */
    private static final class Fields {
        private final StringBuilder sb;
        private boolean first = true;

        Fields(StringBuilder sb) {
            this.sb = sb;
        }

        void key(String k) {
            if (!first) {
                sb.append(",\n");
            }
            first = false;
            sb.append("\t\t\t\"").append(k).append("\": ");
        }

        void string(String k, String v, boolean always) {
            if (always || !v.isEmpty()) {
                key(k);
                GoJsonText.appendString(sb, v);
            }
        }

        void number(String k, long v) {
            if (v != 0) {
                key(k);
                sb.append(v);
            }
        }
    }

    /**
     * Parses TOC JSON as stored. Nothing is normalised here (names, owner names, chunk sizes stay as written);
     * the reader does that.
     *
     * @throws TocFormatException when the bytes are not JSON or do not have the TOC's shape
     */
    public static Toc parse(byte[] json) throws TocFormatException {
        try {
            return parse(new java.io.ByteArrayInputStream(json));
        } catch (TocFormatException e) {
            throw e;
        } catch (IOException e) {
            throw new TocFormatException("cannot read TOC JSON: " + e.getMessage(), e);
        }
    }

    /**
     * Parses TOC JSON from a stream, to its end, without holding the whole text: a TOC of a million entries is a
     * few hundred MB of JSON but a fraction of that as entries. The stream is not closed.
     *
     * @throws TocFormatException when the bytes are not JSON or do not have the TOC's shape; an IOException of
     *                            the stream itself (a corrupt member) is passed on as it is
     */
    public static Toc parse(InputStream json) throws IOException {
        List<TocEntry> entries = new ArrayList<>();
        int version = parse(json, new EntrySink() {
            @Override
            public void entry(TocEntry e) {
                entries.add(e);
            }

            @Override
            public void restart() {
                entries.clear();
            }
        });
        return new Toc(version, entries);
    }

    /** Receives a TOC's entries, in order, as they are parsed. */
    public interface EntrySink {
        /** The next entry; an IOException thrown here ends the parse and is passed on as it is. */
        void entry(TocEntry e) throws IOException;

        /** Forget the entries so far: the JSON has a second {@code "entries"} key, and the last one counts. */
        void restart() throws IOException;
    }

    /**
     * Parses TOC JSON from a stream, to its end, handing each entry to {@code sink} as soon as it is parsed, so
     * that the caller keeps only what it makes of them.
     *
     * @return the TOC's version
     */
    public static int parse(InputStream json, EntrySink sink) throws IOException {
        try (JsonParser p = FACTORY.createParser(json)) {
            int version = parseToc(p, sink);
            if (p.nextToken() != null) {
                throw new TocFormatException("unexpected data after the TOC JSON object at " + location(p));
            }
            return version;
        } catch (JsonProcessingException e) {
            throw new TocFormatException("TOC is not valid JSON: " + e.getOriginalMessage() + " at "
                    + e.getLocation(), e);
        }
    }

    private static int parseToc(JsonParser p, EntrySink sink) throws IOException {
        if (p.nextToken() != JsonToken.START_OBJECT) {
            throw new TocFormatException("TOC JSON must be an object, found " + p.currentToken() + " at "
                    + location(p));
        }
        int version = 0;
        boolean hasEntries = false;
        SharedStrings shared = new SharedStrings();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = p.currentName().toLowerCase(Locale.ROOT);
            JsonToken t = p.nextToken();
            switch (key) {
                case "version" -> version = (int) intValue(p, "version", Integer.MIN_VALUE, Integer.MAX_VALUE);
                case "entries" -> {
                    if (hasEntries) {
                        sink.restart();
                    }
                    hasEntries = true;
                    if (t == JsonToken.START_ARRAY) {
                        int n = 0;
                        while (p.nextToken() != JsonToken.END_ARRAY) {
                            sink.entry(parseEntry(p, n++, shared));
                        }
                    } else if (t != JsonToken.VALUE_NULL) {
                        throw new TocFormatException("\"entries\" must be an array at " + location(p));
                    }
                }
                default -> p.skipChildren();
            }
        }
        if (!hasEntries) {
            // Go would read this as an empty layer; no writer leaves the key out (an empty TOC has "entries": null)
            throw new TocFormatException("TOC JSON has no \"entries\" key");
        }
        return version;
    }

    /**
     * One String for each of the few distinct modification times and owner names of a layer, instead of one per
     * entry: a 100k-entry TOC holds about 20 MB less while it is parsed and indexed. Bounded, so that a TOC of
     * all-distinct values costs no more than without it.
     */
    private static final class SharedStrings {
        private static final int MAX = 4096;
        private final Map<String, String> seen = new java.util.HashMap<>();
        private final Map<String, String> lowerKeys = new java.util.HashMap<>();

        /** A key in lower case, made once per distinct key ("chunkDigest" a million times is one String). */
        String lowerCase(String key) {
            String lower = lowerKeys.get(key);
            if (lower == null) {
                lower = key.toLowerCase(Locale.ROOT);
                if (lowerKeys.size() < 64) {
                    lowerKeys.put(key, lower);
                }
            }
            return lower;
        }

        String of(String s) {
            String known = seen.get(s);
            if (known != null) {
                return known;
            }
            if (seen.size() < MAX) {
                seen.put(s, s);
            }
            return s;
        }
    }

    private static TocEntry parseEntry(JsonParser p, int index, SharedStrings shared) throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            throw new TocFormatException("entry " + index + " must be an object at " + location(p));
        }
        String name = "";
        String type = "";
        String digest = "";
        TocEntry.Builder b = TocEntry.builder("", EntryType.REG);
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = shared.lowerCase(p.currentName());
            p.nextToken();
            if (p.currentToken() == JsonToken.VALUE_NULL) {
                continue; // Go leaves the zero value for null
            }
            switch (key) {
                case "name" -> name = string(p, key);
                case "type" -> type = string(p, key);
                case "size" -> b.size(intValue(p, key, Long.MIN_VALUE, Long.MAX_VALUE));
                case "modtime" -> b.modTime(shared.of(string(p, key)));
                case "linkname" -> b.linkName(string(p, key));
                case "mode" -> b.mode(intValue(p, key, Long.MIN_VALUE, Long.MAX_VALUE));
                case "uid" -> b.uid(intValue(p, key, Long.MIN_VALUE, Long.MAX_VALUE));
                case "gid" -> b.gid(intValue(p, key, Long.MIN_VALUE, Long.MAX_VALUE));
                case "username" -> b.userName(shared.of(string(p, key)));
                case "groupname" -> b.groupName(shared.of(string(p, key)));
                case "offset" -> b.offset(intValue(p, key, Long.MIN_VALUE, Long.MAX_VALUE));
                case "inneroffset" -> b.innerOffset(intValue(p, key, Long.MIN_VALUE, Long.MAX_VALUE));
                case "devmajor" -> b.devMajor((int) intValue(p, key, Integer.MIN_VALUE, Integer.MAX_VALUE));
                case "devminor" -> b.devMinor((int) intValue(p, key, Integer.MIN_VALUE, Integer.MAX_VALUE));
                case "xattrs" -> b.xattrs(xattrs(p));
                case "digest" -> b.digest(digest = string(p, key));
                case "chunkoffset" -> b.chunkOffset(intValue(p, key, Long.MIN_VALUE, Long.MAX_VALUE));
                case "chunksize" -> b.chunkSize(intValue(p, key, Long.MIN_VALUE, Long.MAX_VALUE));
                case "chunkdigest" -> {
                    // a file of one chunk has chunkDigest == digest: one String for both
                    String chunkDigest = string(p, key);
                    b.chunkDigest(chunkDigest.equals(digest) ? digest : chunkDigest);
                }
                default -> p.skipChildren(); // NumLink and anything a newer writer adds
            }
        }
        java.util.Optional<EntryType> t = EntryType.fromJson(type);
        if (t.isEmpty()) {
            throw new TocFormatException("entry " + index + " (\"" + name + "\") has unknown type \"" + type + "\"");
        }
        return b.name(name).type(t.get()).build();
    }

    private static TreeMap<String, byte[]> xattrs(JsonParser p) throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            throw new TocFormatException("\"xattrs\" must be an object at " + location(p));
        }
        TreeMap<String, byte[]> out = new TreeMap<>(TocEntry.UTF8_ORDER);
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            JsonToken t = p.nextToken();
            if (t == JsonToken.VALUE_NULL) {
                out.put(key, new byte[0]);
                continue;
            }
            String b64 = string(p, "xattrs." + key);
            try {
                out.put(key, Base64.getDecoder().decode(b64));
            } catch (IllegalArgumentException e) {
                throw new TocFormatException("xattr \"" + key + "\" is not base64 at " + location(p), e);
            }
        }
        return out;
    }

    private static String string(JsonParser p, String key) throws IOException {
        if (p.currentToken() != JsonToken.VALUE_STRING) {
            throw new TocFormatException("\"" + key + "\" must be a string, found " + p.currentToken() + " at "
                    + location(p));
        }
        return p.getText();
    }

    private static long intValue(JsonParser p, String key, long min, long max) throws IOException {
        if (p.currentToken() != JsonToken.VALUE_NUMBER_INT) {
            throw new TocFormatException("\"" + key + "\" must be an integer, found " + p.currentToken() + " at "
                    + location(p));
        }
        if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
            throw new TocFormatException("\"" + key + "\" is out of range at " + location(p));
        }
        long v = p.getLongValue();
        if (v < min || v > max) {
            throw new TocFormatException("\"" + key + "\" is out of range: " + v + " at " + location(p));
        }
        return v;
    }

    private static String location(JsonParser p) {
        return "byte " + p.currentLocation().getByteOffset();
    }
}
