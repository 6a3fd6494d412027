package dev.estargz.format.testing;

import dev.estargz.registry.Digest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/** Describes a tar's entries (headers and payload digests) with commons-compress, an independent parser. */
public final class TarListing {
    private TarListing() {
    }

    /** The entry names in stream order. */
    public static List<String> names(byte[] tar) throws IOException {
        List<String> out = new ArrayList<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar))) {
            TarArchiveEntry e;
            while ((e = in.getNextEntry()) != null) {
                out.add(e.getName());
            }
        }
        return out;
    }

    /** One line per entry; entries named in {@code skip} (landmarks, the TOC) are left out. */
    public static List<String> describe(byte[] tar, List<String> skip) throws IOException {
        List<String> out = new ArrayList<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar))) {
            TarArchiveEntry e;
            while ((e = in.getNextEntry()) != null) {
                String base = e.getName().replaceFirst("^\\./", "");
                if (skip.contains(base)) {
                    continue;
                }
                Map<String, String> xattrs = new TreeMap<>();
                e.getExtraPaxHeaders().forEach((k, v) -> {
                    if (k.startsWith("SCHILY.xattr.")) {
                        xattrs.put(k, v);
                    }
                });
                byte[] content = in.readAllBytes();
                out.add(e.getName() + "|" + (char) e.getLinkFlag() + "|" + Long.toOctalString(e.getMode()) + "|"
                        + e.getLongUserId() + ":" + e.getLongGroupId() + "|" + e.getUserName() + ":" + e.getGroupName()
                        + "|" + e.getLastModifiedTime().toMillis() / 1000 + "|" + e.getLinkName() + "|"
                        + e.getDevMajor() + "," + e.getDevMinor() + "|" + e.getSize() + "|"
                        + Digest.sha256(content) + "|" + xattrs);
            }
        }
        return out;
    }
}
