package dev.estargz.testkit;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/** Writes the layer of {@link TestLayers#smallFiles()}; the same bytes on every run (fixed seed and times). */
final class SmallFilesTar {
    static final int DIRS = 100;
    static final int FILES_PER_DIR = 1000;
    private static final long MTIME = 1_700_000_000L;

    private SmallFilesTar() {
    }

    static void write(Path out) throws IOException {
        Random random = new Random(100_000);
        byte[] content = new byte[600];
        try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(out), 1 << 20);
                TarArchiveOutputStream tar = new TarArchiveOutputStream(os)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            tar.putArchiveEntry(entry("./", TarArchiveEntry.DEFAULT_DIR_MODE, 0, 0));
            tar.closeArchiveEntry();
            for (int d = 0; d < DIRS; d++) {
                String dir = String.format("d%02d/", d);
                tar.putArchiveEntry(entry(dir, 040755, d, 0));
                tar.closeArchiveEntry();
                for (int f = 0; f < FILES_PER_DIR; f++) {
                    int i = d * FILES_PER_DIR + f;
                    String name = dir + String.format("f%05d", i);
                    int size = i % 600;
                    random.nextBytes(content);
                    TarArchiveEntry e = entry(name, i % 7 == 0 ? 0100755 : 0100644, i % 5, i % 3);
                    e.setSize(size);
                    if (i % 499 == 0) {
                        e.addPaxHeader("SCHILY.xattr.user.index", Integer.toString(i));
                    }
                    tar.putArchiveEntry(e);
                    tar.write(content, 0, size);
                    tar.closeArchiveEntry();
                    if (i % 997 == 0) {
                        TarArchiveEntry l = entry(dir + String.format("l%05d", i), 0120777, 0, 0);
                        l.setLinkName(String.format("f%05d", i));
                        tar.putArchiveEntry(l);
                        tar.closeArchiveEntry();
                    }
                    if (i % 991 == 0) {
                        TarArchiveEntry h = new TarArchiveEntry(dir + String.format("h%05d", i),
                                TarArchiveEntry.LF_LINK);
                        h.setLinkName(name);
                        h.setModTime(MTIME * 1000);
                        tar.putArchiveEntry(h);
                        tar.closeArchiveEntry();
                    }
                }
            }
        }
    }

    private static TarArchiveEntry entry(String name, int mode, int uid, int gid) {
        TarArchiveEntry e = (mode & 0170000) == 0120000 ? new TarArchiveEntry(name, TarArchiveEntry.LF_SYMLINK)
                : new TarArchiveEntry(name);
        e.setMode(mode);
        e.setIds(uid, gid);
        e.setModTime((MTIME + name.hashCode() % 100_000) * 1000);
        return e;
    }
}
