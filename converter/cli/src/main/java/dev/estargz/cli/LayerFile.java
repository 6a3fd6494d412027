package dev.estargz.cli;

import java.io.IOException;
import java.nio.file.Path;

import dev.estargz.format.reader.EStargzReader;
import dev.estargz.format.reader.ReaderOptions;
import dev.estargz.registry.FileBlobSource;

/** An eStargz blob in a local file, opened for reading; closing it closes the file. */
final class LayerFile implements AutoCloseable {
    private final FileBlobSource source;
    private final EStargzReader reader;

    private LayerFile(FileBlobSource source, EStargzReader reader) {
        this.source = source;
        this.reader = reader;
    }

    static LayerFile open(Path blob) throws IOException {
        FileBlobSource source = FileBlobSource.open(blob);
        try {
            return new LayerFile(source, EStargzReader.open(source, ReaderOptions.defaults().withLayerName(blob.toString())));
        } catch (IOException | RuntimeException e) {
            source.close();
            throw e;
        }
    }

    EStargzReader reader() {
        return reader;
    }

    FileBlobSource source() {
        return source;
    }

    @Override
    public void close() throws IOException {
        source.close();
    }
}
