package dev.estargz.image.store;

import dev.estargz.registry.BlobSource;
import dev.estargz.registry.FileBlobSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Layout files in a directory; paths never leave it. */
final class DirectoryFiles implements LayoutFiles {
    private final Path dir;

    DirectoryFiles(Path dir) {
        this.dir = dir.toAbsolutePath().normalize();
    }

    Path resolve(String path) throws IOException {
        Path p = dir.resolve(path).normalize();
        if (!p.startsWith(dir)) {
            throw new IOException(this + ": path " + path + " leaves the layout directory");
        }
        return p;
    }

    @Override
    public boolean exists(String path) throws IOException {
        return Files.isRegularFile(resolve(path), LinkOption.NOFOLLOW_LINKS);
    }

    @Override
    public long size(String path) throws IOException {
        Path p = resolve(path);
        if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
            throw new NoSuchFileException(p.toString(), null, "not in the image layout");
        }
        return Files.size(p);
    }

    @Override
    public InputStream open(String path) throws IOException {
        size(path);
        return Files.newInputStream(resolve(path));
    }

    @Override
    public BlobSource openRandom(String path) throws IOException {
        size(path);
        return FileBlobSource.open(resolve(path));
    }

    @Override
    public void close() {
    }

    @Override
    public String toString() {
        return "OCI layout " + dir;
    }
}
