package dev.estargz.image.store;

import dev.estargz.registry.BlobSource;
import dev.estargz.registry.ByteRange;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarFile;

/**
 * Layout files inside an uncompressed tar (an OCI archive or {@code docker save} output), read in place with
 * positional reads: the archive's headers are indexed once and nothing is extracted.
 */
final class TarFiles implements LayoutFiles {
    private record Slice(long offset, long size) {
    }

    private final Path archive;
    private final FileChannel channel;
    private final Map<String, Slice> files = new HashMap<>();

    TarFiles(Path archive) throws IOException {
        this.archive = archive;
        try (TarFile tar = new TarFile(archive)) {
            for (TarArchiveEntry e : tar.getEntries()) {
                if (e.isFile() && !e.isSparse()) {
                    files.put(normalise(e.getName()), new Slice(e.getDataOffset(), e.getSize()));
                }
            }
        } catch (IOException | RuntimeException e) {
            throw new IOException(archive + ": not a readable tar archive: " + e.getMessage(), e);
        }
        this.channel = FileChannel.open(archive, StandardOpenOption.READ);
    }

    private static String normalise(String name) {
        String n = name;
        while (n.startsWith("./")) {
            n = n.substring(2);
        }
        while (n.startsWith("/")) {
            n = n.substring(1);
        }
        return n;
    }

    private Slice slice(String path) throws NoSuchFileException {
        Slice s = files.get(normalise(path));
        if (s == null) {
            throw new NoSuchFileException(archive.toString(), null, path + " is not in the archive");
        }
        return s;
    }

    @Override
    public boolean exists(String path) {
        return files.containsKey(normalise(path));
    }

    @Override
    public long size(String path) throws IOException {
        return slice(path).size();
    }

    @Override
    public InputStream open(String path) throws IOException {
        Slice s = slice(path);
        return new java.io.BufferedInputStream(Channels.newInputStream(new SliceChannel(s)), 1 << 16);
    }

    @Override
    public BlobSource openRandom(String path) throws IOException {
        Slice s = slice(path);
        String name = archive + "!" + path;
        return new BlobSource() {
            @Override
            public long size() {
                return s.size();
            }

            @Override
            public byte[] read(ByteRange range) throws IOException {
                if (range.end() > s.size()) {
                    throw new EOFException(name + ": range " + range + " reaches past the end (" + s.size() + ")");
                }
                ByteBuffer buf = ByteBuffer.allocate(Math.toIntExact(range.length()));
                readFully(buf, s.offset() + range.offset());
                return buf.array();
            }

            @Override
            public String toString() {
                return name;
            }
        };
    }

    private void readFully(ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            int n = channel.read(buf, pos);
            if (n < 0) {
                throw new EOFException(archive + " is truncated");
            }
            pos += n;
        }
    }

    /** A read-only channel over one slice of the archive, for streams. */
    private final class SliceChannel implements java.nio.channels.ReadableByteChannel {
        private final Slice slice;
        private long pos;

        SliceChannel(Slice slice) {
            this.slice = slice;
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            long left = slice.size() - pos;
            if (left <= 0) {
                return -1;
            }
            int want = (int) Math.min(dst.remaining(), left);
            ByteBuffer view = dst.slice();
            view.limit(want);
            int n = channel.read(view, slice.offset() + pos);
            if (n < 0) {
                throw new EOFException(archive + " is truncated");
            }
            dst.position(dst.position() + n);
            pos += n;
            return n;
        }

        @Override
        public boolean isOpen() {
            return channel.isOpen();
        }

        @Override
        public void close() {
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    @Override
    public String toString() {
        return "archive " + archive;
    }
}
