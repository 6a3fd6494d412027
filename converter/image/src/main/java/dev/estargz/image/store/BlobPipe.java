package dev.estargz.image.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A bounded hand-off from a thread that pushes bytes (a registry download) to one that pulls them (the
 * converter's staging), so a layer streams from the network into conversion without a file in between. At most
 * {@code CAPACITY} buffers are in flight; a failure of the writer is rethrown to the reader before end of stream.
 */
final class BlobPipe {
    private static final int BUFFER = 256 * 1024;
    private static final int CAPACITY = 16;
    private static final byte[] END = new byte[0];

    private final BlockingQueue<byte[]> queue = new ArrayBlockingQueue<>(CAPACITY);
    private volatile IOException failure;
    private volatile boolean readerClosed;

    /** What runs on the writer thread. */
    interface Producer {
        void produce(OutputStream out) throws IOException;
    }

    /** Starts {@code producer} on a new named thread and returns the stream of what it writes. */
    static InputStream start(String threadName, Producer producer) {
        BlobPipe pipe = new BlobPipe();
        Thread t = new Thread(() -> pipe.run(producer), threadName);
        t.setDaemon(true);
        t.start();
        return pipe.new Reader();
    }

    private void run(Producer producer) {
        try (Writer w = new Writer()) {
            producer.produce(w);
        } catch (IOException e) {
            failure = e;
        } catch (RuntimeException e) {
            failure = new IOException(e.toString(), e);
        } finally {
            offer(END);
        }
    }

    private void offer(byte[] b) {
        try {
            while (!readerClosed && !queue.offer(b, 100, TimeUnit.MILLISECONDS)) {
                // the reader is slow; wait for room unless it went away
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private final class Writer extends OutputStream {
        private byte[] buf = new byte[BUFFER];
        private int n;

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            while (len > 0) {
                if (readerClosed) {
                    throw new IOException("the reader of the stream went away");
                }
                int m = Math.min(len, buf.length - n);
                System.arraycopy(b, off, buf, n, m);
                n += m;
                off += m;
                len -= m;
                if (n == buf.length) {
                    flush();
                }
            }
        }

        @Override
        public void flush() {
            if (n > 0) {
                offer(n == buf.length ? buf : Arrays.copyOf(buf, n));
                buf = new byte[BUFFER];
                n = 0;
            }
        }

        @Override
        public void close() {
            flush();
        }
    }

    private final class Reader extends InputStream {
        private byte[] current = new byte[0];
        private int pos;
        private boolean ended;

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            while (pos == current.length) {
                if (ended) {
                    return -1;
                }
                byte[] next;
                try {
                    next = queue.take();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while waiting for blob bytes");
                }
                if (next == END) {
                    ended = true;
                    if (failure != null) {
                        throw failure;
                    }
                    return -1;
                }
                current = next;
                pos = 0;
            }
            int m = Math.min(len, current.length - pos);
            System.arraycopy(current, pos, b, off, m);
            pos += m;
            return m;
        }

        @Override
        public void close() {
            readerClosed = true;
            queue.clear();
        }
    }
}
