package dev.estargz.registry.blob;

import okio.BufferedSource;

import java.io.IOException;
import java.net.ProtocolException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Parses a {@code multipart/byteranges} body (RFC 9110 §14.6) into its parts. */
final class MultipartByteRanges {
    private static final int MAX_HEADER_LINES = 64;

    private MultipartByteRanges() {
    }

    /** The boundary parameter of a multipart/byteranges Content-Type, or null when it is another type. */
    static String boundary(String contentType) {
        if (contentType == null) {
            return null;
        }
        String[] parts = contentType.split(";");
        if (!parts[0].trim().equalsIgnoreCase("multipart/byteranges")) {
            return null;
        }
        for (int i = 1; i < parts.length; i++) {
            String p = parts[i].trim();
            if (p.toLowerCase(Locale.ROOT).startsWith("boundary=")) {
                String b = p.substring("boundary=".length());
                if (b.length() >= 2 && b.startsWith("\"") && b.endsWith("\"")) {
                    b = b.substring(1, b.length() - 1);
                }
                return b.isEmpty() ? null : b;
            }
        }
        return null;
    }

    /**
     * Reads every part. Each part's length comes from its Content-Range, never from scanning for the boundary,
     * so binary content that happens to contain the boundary cannot confuse the parser.
     *
     * @param maxTotal refuse bodies whose parts add up to more than this (a lying server must not exhaust memory)
     */
    static List<Part> parse(BufferedSource in, String boundary, long maxTotal) throws IOException {
        String delimiter = "--" + boundary;
        List<Part> parts = new ArrayList<>();
        long total = 0;
        String line = nextNonEmptyLine(in);
        while (true) {
            if (line == null) {
                throw new ProtocolException("multipart/byteranges body ended without closing boundary");
            }
            if (line.equals(delimiter + "--")) {
                return parts;
            }
            if (!line.equals(delimiter)) {
                if (parts.isEmpty()) {
                    // Preamble before the first delimiter is allowed and ignored.
                    line = nextNonEmptyLine(in);
                    continue;
                }
                throw new ProtocolException("multipart/byteranges: expected boundary, got \"" + abbreviate(line) + "\"");
            }
            ContentRange range = null;
            for (int i = 0; ; i++) {
                if (i > MAX_HEADER_LINES) {
                    throw new ProtocolException("multipart/byteranges: too many part headers");
                }
                String h = in.readUtf8LineStrict(8192);
                if (h.isEmpty()) {
                    break;
                }
                int colon = h.indexOf(':');
                if (colon > 0 && h.substring(0, colon).trim().equalsIgnoreCase("Content-Range")) {
                    range = ContentRange.parse(h.substring(colon + 1).trim());
                }
            }
            if (range == null) {
                throw new ProtocolException("multipart/byteranges part without Content-Range");
            }
            total += range.length();
            if (total > maxTotal) {
                throw new ProtocolException("multipart/byteranges parts exceed the " + maxTotal + " bytes asked for");
            }
            parts.add(new Part(range, in.readByteArray(range.length())));
            line = nextNonEmptyLine(in);
        }
    }

    private static String nextNonEmptyLine(BufferedSource in) throws IOException {
        String l;
        do {
            l = in.readUtf8Line();
        } while (l != null && l.isEmpty());
        return l;
    }

    private static String abbreviate(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "…" : s;
    }

    /** One part: its range and bytes. */
    record Part(ContentRange range, byte[] data) {
    }
}
