package dev.estargz.registry.push;

import dev.estargz.registry.BlobSource;
import dev.estargz.registry.ByteRange;
import okhttp3.MediaType;
import okhttp3.RequestBody;
import okio.BufferedSink;

import java.io.IOException;

/** A request body streaming a slice of a {@link BlobSource}; replayable, so uploads can be restarted. */
final class BlobBody extends RequestBody {
    private static final MediaType OCTET_STREAM = MediaType.get("application/octet-stream");
    private static final int BUFFER = 1 << 20;

    private final BlobSource source;
    private final ByteRange slice;

    BlobBody(BlobSource source, ByteRange slice) {
        this.source = source;
        this.slice = slice;
    }

    @Override
    public MediaType contentType() {
        return OCTET_STREAM;
    }

    @Override
    public long contentLength() {
        return slice.length();
    }

    @Override
    public void writeTo(BufferedSink sink) throws IOException {
        for (long off = slice.offset(); off < slice.end(); off += BUFFER) {
            long n = Math.min(BUFFER, slice.end() - off);
            sink.write(source.read(new ByteRange(off, n)));
        }
    }
}
