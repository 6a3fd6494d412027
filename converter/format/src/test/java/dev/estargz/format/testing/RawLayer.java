package dev.estargz.format.testing;

import dev.estargz.format.codec.GzipCodec;
import dev.estargz.format.codec.MemberCodec;
import dev.estargz.registry.Digest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Builds eStargz blobs entry by entry with the TOC written by hand, for layers no converter would write: one gzip
 * member per file payload (after a member of headers at offset 0), then the TOC member and the footer. The members
 * hold only payload, not tar headers: enough for everything the reader and the verifier look at.
 */
public final class RawLayer {
    private final ByteArrayOutputStream payload = new ByteArrayOutputStream();
    private final List<String> entries = new ArrayList<>();
    private final MemberCodec.MemberEncoder encoder = new GzipCodec().newEncoder(GzipCodec.DEFAULT_LEVEL);

    public RawLayer() {
        member(new byte[512]); // the headers' member at offset 0, as a writer leaves it
    }

    /** Appends a gzip member holding {@code content}; returns its offset. */
    public long member(byte[] content) {
        long offset = payload.size();
        try {
            encoder.writeMember(new ByteArrayInputStream(content), payload);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return offset;
    }

    /** A regular file in one chunk, with its own member, {@code digest} and {@code chunkDigest}. */
    public RawLayer file(String name, String content) {
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        if (bytes.length == 0) {
            return entry("{\"name\":" + quote(name) + ",\"type\":\"reg\",\"digest\":\"" + sha256(bytes) + "\"}");
        }
        long offset = member(bytes);
        String d = sha256(bytes);
        return entry("{\"name\":" + quote(name) + ",\"type\":\"reg\",\"size\":" + bytes.length + ",\"offset\":"
                + offset + ",\"digest\":\"" + d + "\",\"chunkDigest\":\"" + d + "\"}");
    }

    public RawLayer dir(String name) {
        return entry("{\"name\":" + quote(name) + ",\"type\":\"dir\",\"mode\":16877}");
    }

    public RawLayer hardlink(String name, String target) {
        return entry("{\"name\":" + quote(name) + ",\"type\":\"hardlink\",\"linkName\":" + quote(target) + "}");
    }

    /** Any entry, as a JSON object. */
    public RawLayer entry(String json) {
        entries.add(json);
        return this;
    }

    /** The payload written so far (everything before the TOC). */
    public byte[] payload() {
        return payload.toByteArray();
    }

    public String tocJson() {
        return "{\"version\":1,\"entries\":[" + String.join(",", entries) + "]}";
    }

    /** The blob: payload, TOC member, footer. */
    public byte[] build() throws IOException {
        return build(UnaryOperator.identity());
    }

    /** The blob with {@code edit} applied to the TOC JSON. */
    public byte[] build(UnaryOperator<String> edit) throws IOException {
        return Blobs.withToc(payload(), edit.apply(tocJson()).getBytes(StandardCharsets.UTF_8));
    }

    public static String sha256(byte[] b) {
        return Digest.sha256(b).toString();
    }

    public static String sha256(String s) {
        return sha256(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 0x20) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.append('"').toString();
    }
}
