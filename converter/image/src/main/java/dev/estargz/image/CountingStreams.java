package dev.estargz.image;

import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.function.LongConsumer;

/** Streams that report how many bytes pass through them, for progress and totals. */
final class CountingStreams {
    private CountingStreams() {
    }

    static InputStream input(InputStream in, LongConsumer counter) {
        return new FilterInputStream(in) {
            @Override
            public int read() throws IOException {
                int b = in.read();
                if (b >= 0) {
                    counter.accept(1);
                }
                return b;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = in.read(b, off, len);
                if (n > 0) {
                    counter.accept(n);
                }
                return n;
            }
        };
    }

    static OutputStream output(OutputStream out, LongConsumer counter) {
        return new FilterOutputStream(out) {
            @Override
            public void write(int b) throws IOException {
                out.write(b);
                counter.accept(1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
                counter.accept(len);
            }
        };
    }
}
