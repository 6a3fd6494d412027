package dev.estargz.testkit;

import java.io.IOException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.estargz.format.reader.Chunk;
import dev.estargz.format.reader.EStargzReader;
import dev.estargz.format.toc.EntryType;
import dev.estargz.format.toc.TocEntry;
import dev.estargz.registry.Digest;

/**
 * The tree our reader presents, walked from the root through {@code children()} as a filesystem would, every
 * file read chunk by chunk through {@code readChunk} (which verifies each chunk), in {@link TreeListing} form.
 */
public final class ReaderListing {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ReaderListing() {
    }

    /** Lists the reader's tree; throws if a chunk fails verification or the chunks do not cover a file. */
    public static TreeListing of(EStargzReader r) throws IOException {
        List<String> lines = new ArrayList<>();
        TocEntry root = r.lookup("").orElseThrow(() -> new IOException(r + ": no root directory"));
        walk(r, "", root, lines);
        return TreeListing.parse(lines);
    }

    private static void walk(EStargzReader r, String path, TocEntry e, List<String> out) throws IOException {
        ObjectNode o = JSON.createObjectNode();
        o.put("path", path);
        o.put("type", e.type().json());
        o.put("mode", e.mode() & 07777);
        o.put("uid", e.uid());
        o.put("gid", e.gid());
        o.put("uname", e.userName());
        o.put("gname", e.groupName());
        o.put("mtime", e.modTime().isEmpty() ? 0 : e.modTimeInstant().getEpochSecond());
        o.put("linkName", e.type() == EntryType.SYMLINK ? e.linkName() : "");
        o.put("hardlinkTo", !path.isEmpty() && !e.name().equals(path) ? e.name() : "");
        boolean device = e.type() == EntryType.CHAR || e.type() == EntryType.BLOCK;
        o.put("devMajor", device ? e.devMajor() : 0);
        o.put("devMinor", device ? e.devMinor() : 0);
        ObjectNode x = o.putObject("xattrs");
        for (Map.Entry<String, byte[]> a : e.xattrs().entrySet()) {
            x.put(a.getKey(), Base64.getEncoder().encodeToString(a.getValue()));
        }
        boolean reg = e.type() == EntryType.REG;
        o.put("size", reg ? e.size() : 0);
        o.put("sha256", reg ? contentDigest(r, path, e) : "");
        o.put("nlink", path.isEmpty() ? 0 : r.linkCount(path));
        out.add(o.toString());
        if (e.type() == EntryType.DIR) {
            for (Map.Entry<String, TocEntry> c : r.children(path).entrySet()) {
                walk(r, path.isEmpty() ? c.getKey() : path + "/" + c.getKey(), c.getValue(), out);
            }
        }
    }

    private static String contentDigest(EStargzReader r, String path, TocEntry e) throws IOException {
        MessageDigest md = Digest.newSha256();
        long next = 0;
        for (Chunk c : r.chunksOf(path)) {
            if (c.fileOffset() != next) {
                throw new IOException(path + ": chunk at " + c.fileOffset() + ", expected one at " + next);
            }
            md.update(r.readChunk(c));
            next = c.fileEnd();
        }
        if (next != e.size()) {
            throw new IOException(path + ": chunks cover " + next + " of " + e.size() + " bytes");
        }
        return Digest.ofSha256(md.digest()).toString();
    }
}
