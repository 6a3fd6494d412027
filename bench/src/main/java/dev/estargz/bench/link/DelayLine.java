package dev.estargz.bench.link;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * One direction of one relayed connection: a reader thread takes bytes from {@code from} as they come, stamps each
 * chunk with the time it reaches the far end (when the token buckets let its last byte leave, plus the one-way
 * delay) and queues it; a delivery thread writes each chunk to {@code to} at its time. A full queue stops the
 * reader, so the sender feels the link's pace through TCP back-pressure instead of the proxy buffering without
 * bound.
 */
final class DelayLine {
    /** A chunk and when it arrives; {@code length < 0} marks the sender's end of stream. */
    private record Chunk(byte[] data, int length, long deliverAt) {
    }

    private final String name;
    private final Socket from;
    private final Socket to;
    private final Pacer connectionPacer;
    private final Pacer sharedPacer;
    private final long oneWayNanos;
    private final long earliestDeparture;
    private final int queueLimit;
    private final LongAdder delivered;
    private final LinkConnection owner;
    private final ArrayDeque<Chunk> queue = new ArrayDeque<>();
    private int queuedBytes;
    private volatile boolean stopped;
    private Thread reader;
    private Thread deliverer;

    /**
     * @param earliestDeparture nanoTime before which no byte may leave (the end of the simulated handshake)
     */
    DelayLine(String name, Socket from, Socket to, Pacer connectionPacer, Pacer sharedPacer, long oneWayNanos,
              long earliestDeparture, int queueLimit, LongAdder delivered, LinkConnection owner) {
        this.name = name;
        this.from = from;
        this.to = to;
        this.connectionPacer = connectionPacer;
        this.sharedPacer = sharedPacer;
        this.oneWayNanos = oneWayNanos;
        this.earliestDeparture = earliestDeparture;
        this.queueLimit = queueLimit;
        this.delivered = delivered;
        this.owner = owner;
    }

    void start() {
        reader = new Thread(this::readLoop, name + "-read");
        deliverer = new Thread(this::deliverLoop, name + "-deliver");
        reader.setDaemon(true);
        deliverer.setDaemon(true);
        reader.start();
        deliverer.start();
    }

    /** Stops both threads; queued bytes are dropped (the connection is being torn down). */
    void stop() {
        synchronized (this) {
            stopped = true;
            notifyAll();
        }
        if (deliverer != null) {
            deliverer.interrupt();
        }
    }

    /** Waits up to {@code millis} for both threads to end. */
    void join(long millis) throws InterruptedException {
        if (reader != null) {
            reader.join(millis);
        }
        if (deliverer != null) {
            deliverer.join(millis);
        }
    }

    private void readLoop() {
        try {
            InputStream in = from.getInputStream();
            while (!stopped) {
                byte[] buf = new byte[SlowLink.READ_CHUNK];
                int n;
                try {
                    n = in.read(buf);
                } catch (SocketTimeoutException tick) {
                    // The socket timeout is only a tick to notice a connection idle in both directions.
                    if (owner.idleTooLong()) {
                        owner.abort(name + " idle too long");
                        return;
                    }
                    continue;
                }
                if (n < 0) {
                    long now = System.nanoTime();
                    enqueue(new Chunk(null, -1, Math.max(now, earliestDeparture) + oneWayNanos));
                    return;
                }
                owner.touch();
                if (!awaitRoom(n)) {
                    return;
                }
                long now = System.nanoTime();
                long departs = Math.max(connectionPacer.reserve(now, n), sharedPacer.reserve(now, n));
                enqueue(new Chunk(buf, n, Math.max(departs, earliestDeparture) + oneWayNanos));
            }
        } catch (IOException e) {
            owner.abort(name + ": " + e.getMessage());
        }
    }

    private synchronized boolean awaitRoom(int n) {
        while (!stopped && !queue.isEmpty() && queuedBytes + n > queueLimit) {
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return !stopped;
    }

    private synchronized void enqueue(Chunk c) {
        queue.addLast(c);
        queuedBytes += Math.max(0, c.length());
        notifyAll();
    }

    private synchronized Chunk next() throws InterruptedException {
        while (!stopped && queue.isEmpty()) {
            wait();
        }
        return stopped ? null : queue.peekFirst();
    }

    private synchronized void delivered(Chunk c) {
        queue.pollFirst();
        queuedBytes -= c.length();
        notifyAll();
    }

    private void deliverLoop() {
        try {
            OutputStream out = to.getOutputStream();
            while (true) {
                Chunk c = next();
                if (c == null) {
                    return;
                }
                for (long wait = c.deliverAt() - System.nanoTime(); wait > 0 && !stopped;
                     wait = c.deliverAt() - System.nanoTime()) {
                    LockSupport.parkNanos(this, wait);
                }
                if (stopped) {
                    return;
                }
                if (c.length() < 0) {
                    to.shutdownOutput();
                    owner.directionEnded();
                    return;
                }
                // Counted before the write, so a client that has its bytes always finds them counted.
                delivered.add(c.length());
                out.write(c.data(), 0, c.length());
                owner.touch();
                delivered(c);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            owner.abort(name + ": " + e.getMessage());
        }
    }
}
