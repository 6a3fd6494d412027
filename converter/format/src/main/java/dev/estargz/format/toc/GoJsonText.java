package dev.estargz.format.toc;

import java.nio.charset.StandardCharsets;

/**
 * Appends JSON string literals exactly as Go's encoding/json (go1.19, HTML escaping on) writes them, so that a TOC
 * we write has the bytes the reference would write.
 */
final class GoJsonText {
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private GoJsonText() {
    }

    static void appendString(StringBuilder out, String s) {
        out.append('"');
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '<', '>', '&', '\u2028', '\u2029' -> appendUnicodeEscape(out, c);
                default -> {
                    if (c < 0x20) {
                        // go1.19 has no short form for \b and \f: it writes \u0008 and \u000c.
                        appendUnicodeEscape(out, c);
                    } else if (Character.isSurrogate(c)) {
                        if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                            out.append(c).append(s.charAt(++i));
                        } else {
                            // An unpaired surrogate cannot be UTF-8; Go writes invalid bytes as U+FFFD.
                            out.append("\\ufffd");
                        }
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    private static void appendUnicodeEscape(StringBuilder out, char c) {
        out.append("\\u").append(HEX[(c >> 12) & 0xf]).append(HEX[(c >> 8) & 0xf]).append(HEX[(c >> 4) & 0xf])
                .append(HEX[c & 0xf]);
    }

    static byte[] utf8(StringBuilder sb) {
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }
}
