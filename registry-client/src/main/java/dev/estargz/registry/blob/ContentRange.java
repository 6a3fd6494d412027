package dev.estargz.registry.blob;

import java.net.ProtocolException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A parsed {@code Content-Range: bytes first-last/total} header; total is -1 for {@code *}. */
record ContentRange(long first, long last, long total) {
    private static final Pattern FORMAT = Pattern.compile("bytes\\s+(\\d+)-(\\d+)/(\\d+|\\*)");
    private static final Pattern UNSATISFIED = Pattern.compile("bytes\\s+\\*/(\\d+)");

    static ContentRange parse(String header) throws ProtocolException {
        Matcher m = header == null ? null : FORMAT.matcher(header.trim());
        if (m == null || !m.matches()) {
            throw new ProtocolException("malformed Content-Range: " + header);
        }
        try {
            long first = Long.parseLong(m.group(1));
            long last = Long.parseLong(m.group(2));
            long total = m.group(3).equals("*") ? -1 : Long.parseLong(m.group(3));
            if (last < first || (total >= 0 && last >= total)) {
                throw new ProtocolException("impossible Content-Range: " + header);
            }
            return new ContentRange(first, last, total);
        } catch (NumberFormatException e) {
            throw new ProtocolException("Content-Range out of range: " + header);
        }
    }

    /** The total size from a 416 answer's {@code bytes *&#47;N}, or -1. */
    static long unsatisfiedTotal(String header) {
        Matcher m = header == null ? null : UNSATISFIED.matcher(header.trim());
        return m != null && m.matches() ? Long.parseLong(m.group(1)) : -1;
    }

    long length() {
        return last - first + 1;
    }
}
