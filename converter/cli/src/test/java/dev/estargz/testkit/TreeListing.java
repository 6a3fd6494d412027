package dev.estargz.testkit;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

import dev.estargz.registry.Digest;

/**
 * The canonical listing of a layer's tree, one JSON object per path, in the form {@code estargz-check} prints
 * (see its source for the rules): the common language in which a source tar, a blob read by the reference
 * and a blob read by us are compared.
 */
public record TreeListing(SortedMap<String, JsonNode> entries) {
    /** The landmark files a converter adds at the root; they are not part of the source tree. */
    public static final Set<String> LANDMARKS = Set.of(".prefetch.landmark", ".no.prefetch.landmark");
    /** The TOC entry, visible when a blob is read as a plain tar. */
    public static final String TOC_ENTRY = "stargz.index.json";

    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_LONG_FOR_INTS);

    /** Parses the JSON lines {@code estargz-check} prints. */
    public static TreeListing parse(List<String> lines) {
        SortedMap<String, JsonNode> m = new TreeMap<>();
        for (String line : lines) {
            try {
                JsonNode n = JSON.readTree(line);
                m.put(n.get("path").asText(), n);
            } catch (JsonProcessingException e) {
                throw new UncheckedIOException("not a listing line: " + line, e);
            }
        }
        return new TreeListing(m);
    }

    /** The listing of a tar (plain or gzip) read with commons-compress, xattr bytes read raw. */
    public static TreeListing ofTar(Path tar) throws IOException {
        List<Map<String, byte[]>> xattrs;
        try (InputStream in = decompressed(tar)) {
            xattrs = PaxXattrScanner.scan(in);
        }
        Builder b = new Builder();
        try (TarArchiveInputStream in = new TarArchiveInputStream(decompressed(tar))) {
            int index = 0;
            for (TarArchiveEntry e = in.getNextEntry(); e != null; e = in.getNextEntry(), index++) {
                String type = e.isDirectory() ? "dir" : e.isSymbolicLink() ? "symlink" : e.isLink() ? "hardlink"
                        : e.isCharacterDevice() ? "char" : e.isBlockDevice() ? "block" : e.isFIFO() ? "fifo"
                        : e.isFile() ? "reg" : null;
                if (type == null) {
                    throw new IOException(tar + ": unsupported entry type of " + e.getName());
                }
                String sha = null;
                if (type.equals("reg")) {
                    MessageDigest md = Digest.newSha256();
                    byte[] buf = new byte[65536];
                    for (int n; (n = in.read(buf)) > 0; ) {
                        md.update(buf, 0, n);
                    }
                    sha = Digest.ofSha256(md.digest()).toString();
                }
                Instant t = e.getLastModifiedTime().toInstant();
                b.add(new Node(e.getName(), type, e.getMode(), e.getLongUserId(), e.getLongGroupId(), e.getUserName(),
                        e.getGroupName(), roundedSeconds(t.getEpochSecond(), t.getNano()), e.getLinkName(),
                        e.getDevMajor(), e.getDevMinor(), index < xattrs.size() ? xattrs.get(index) : Map.of(),
                        e.getSize(), sha));
            }
        }
        return b.build();
    }

    private static InputStream decompressed(Path file) throws IOException {
        InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        in.mark(2);
        int b0 = in.read();
        int b1 = in.read();
        in.reset();
        return b0 == 0x1f && b1 == 0x8b ? new GzipCompressorInputStream(in, true) : in;
    }

    /** Rounds as the format does (Go {@code time.Round(time.Second)}); the epoch second itself means "unset". */
    public static long roundedSeconds(long epochSecond, int nanos) {
        return epochSecond == 0 ? 0 : epochSecond + (nanos >= 500_000_000 ? 1 : 0);
    }

    /** One tar-like entry given to a {@link Builder}. */
    public record Node(String name, String type, long mode, long uid, long gid, String uname, String gname,
            long mtime, String linkName, long devMajor, long devMinor, Map<String, byte[]> xattrs, long size,
            String sha256) {
    }

    /**
     * Builds a listing from entries in archive order with the reference reader's tree rules: names cleaned,
     * a later duplicate replaces an earlier one, hardlinks resolved to their final target, missing parents
     * created as 0755 dirs, dirs counting 2 + subdirectories, the root's count left at 0.
     */
    public static final class Builder {
        private final Map<String, Node> nodes = new LinkedHashMap<>();
        private final Map<String, String> links = new LinkedHashMap<>();

        public Builder add(Node n) {
            String p = clean(n.name());
            if (n.type().equals("hardlink")) {
                links.put(p, clean(n.linkName()));
            } else {
                nodes.put(p, n);
            }
            return this;
        }

        public TreeListing build() {
            SortedMap<String, ObjectNode> out = new TreeMap<>();
            nodes.forEach((p, n) -> out.put(p, toJson(p, n)));
            Map<String, String> resolved = new LinkedHashMap<>();
            links.forEach((p, target) -> {
                String t = target;
                for (int i = 0; i < 64 && links.containsKey(t); i++) {
                    t = links.get(t);
                }
                if (!out.containsKey(t)) {
                    throw new IllegalArgumentException("hardlink " + p + " points to missing " + target);
                }
                resolved.put(p, t);
                ObjectNode target0 = out.get(t);
                target0.put("nlink", target0.get("nlink").asLong() + 1);
            });
            resolved.forEach((p, t) -> {
                ObjectNode copy = out.get(t).deepCopy();
                copy.put("path", p);
                copy.put("hardlinkTo", t);
                out.put(p, copy);
            });
            for (String p : new ArrayList<>(out.keySet())) {
                for (String d = parent(p); ; d = parent(d)) {
                    out.computeIfAbsent(d, k -> toJson(k, new Node(k, "dir", 0755, 0, 0, "", "", 0, "", 0, 0,
                            Map.of(), 0, null)));
                    if (d.isEmpty()) {
                        break;
                    }
                }
            }
            out.forEach((p, n) -> {
                if (n.get("type").asText().equals("dir")) {
                    n.put("nlink", 2L);
                }
            });
            out.forEach((p, n) -> {
                if (!p.isEmpty() && n.get("type").asText().equals("dir")) {
                    ObjectNode parent = out.get(parent(p));
                    parent.put("nlink", parent.get("nlink").asLong() + 1);
                }
            });
            out.get("").put("nlink", 0L);
            // Re-read the text so that numbers have the same node types as in a parsed listing.
            SortedMap<String, JsonNode> normalized = new TreeMap<>();
            out.forEach((p, n) -> {
                try {
                    normalized.put(p, JSON.readTree(n.toString()));
                } catch (JsonProcessingException e) {
                    throw new UncheckedIOException(e);
                }
            });
            return new TreeListing(normalized);
        }

        private static ObjectNode toJson(String path, Node n) {
            ObjectNode o = JSON.createObjectNode();
            o.put("path", path);
            o.put("type", n.type());
            o.put("mode", n.mode() & 07777);
            o.put("uid", n.uid());
            o.put("gid", n.gid());
            o.put("uname", Objects.requireNonNullElse(n.uname(), ""));
            o.put("gname", Objects.requireNonNullElse(n.gname(), ""));
            o.put("mtime", n.mtime());
            o.put("linkName", n.type().equals("symlink") ? n.linkName() : "");
            o.put("hardlinkTo", "");
            boolean device = n.type().equals("char") || n.type().equals("block");
            o.put("devMajor", device ? n.devMajor() : 0L);
            o.put("devMinor", device ? n.devMinor() : 0L);
            ObjectNode x = o.putObject("xattrs");
            new TreeMap<>(n.xattrs()).forEach((k, v) -> x.put(k, Base64.getEncoder().encodeToString(v)));
            boolean reg = n.type().equals("reg");
            o.put("size", reg ? n.size() : 0L);
            o.put("sha256", reg ? n.sha256() : "");
            o.put("nlink", 1L);
            return o;
        }
    }

    /** The reference's name rule: {@code path.Clean("/" + name)} without the leading slash. */
    public static String clean(String name) {
        List<String> parts = new ArrayList<>();
        for (String s : name.split("/")) {
            if (s.isEmpty() || s.equals(".")) {
                continue;
            }
            if (s.equals("..")) {
                if (!parts.isEmpty()) {
                    parts.remove(parts.size() - 1);
                }
                continue;
            }
            parts.add(s);
        }
        return String.join("/", parts);
    }

    private static String parent(String p) {
        int slash = p.lastIndexOf('/');
        return slash < 0 ? "" : p.substring(0, slash);
    }

    /** This listing without the given top-level paths (landmarks, the TOC entry). */
    public TreeListing without(Set<String> paths) {
        SortedMap<String, JsonNode> m = new TreeMap<>(entries);
        m.keySet().removeAll(paths);
        return new TreeListing(m);
    }

    /** Throws an AssertionError listing the differences (at most 20) unless {@code actual} equals this tree. */
    public void assertSameAs(TreeListing actual, String what) {
        List<String> diffs = new ArrayList<>();
        for (String p : entries.keySet()) {
            if (!actual.entries.containsKey(p)) {
                diffs.add("missing " + entries.get(p));
            } else if (!entries.get(p).equals(actual.entries.get(p))) {
                diffs.add("expected " + entries.get(p) + "\n      got " + actual.entries.get(p));
            }
        }
        for (String p : actual.entries.keySet()) {
            if (!entries.containsKey(p)) {
                diffs.add("unexpected " + actual.entries.get(p));
            }
        }
        if (!diffs.isEmpty()) {
            throw new AssertionError(what + ": " + diffs.size() + " differences in a tree of " + entries.size()
                    + " paths:\n  " + String.join("\n  ", diffs.subList(0, Math.min(20, diffs.size()))));
        }
    }

    /** Number of paths. */
    public int size() {
        return entries.size();
    }

    /** Paths whose type is {@code type}. */
    public long count(String type) {
        return entries.values().stream().filter(n -> n.get("type").asText().equals(type)).count();
    }

    @Override
    public String toString() {
        return "TreeListing(" + entries.size() + " paths)";
    }
}
