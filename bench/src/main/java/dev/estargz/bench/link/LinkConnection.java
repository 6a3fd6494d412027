package dev.estargz.bench.link;

import java.io.IOException;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection relayed to the target through two {@link DelayLine}s. It ends when both directions have
 * delivered their end of stream, on any I/O error, when idle past the profile's timeout, or when the link closes.
 */
final class LinkConnection {
    private static final Logger LOG = LoggerFactory.getLogger(LinkConnection.class);
    private final Socket client;
    private final Socket target;
    private final long idleNanos;
    private final DelayLine up;
    private final DelayLine down;
    private final AtomicInteger directionsOpen = new AtomicInteger(2);
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Consumer<LinkConnection> onClosed;
    private volatile long lastActivity = System.nanoTime();

    LinkConnection(String name, Socket client, Socket target, LinkProfile profile, Pacer sharedUp, Pacer sharedDown,
                   LongAdder bytesUp, LongAdder bytesDown, Consumer<LinkConnection> onClosed) {
        this.client = client;
        this.target = target;
        this.idleNanos = profile.idleTimeout().toNanos();
        this.onClosed = onClosed;
        long accepted = System.nanoTime();
        // Over a real link the client could send only after the SYN / SYN-ACK round trip.
        long handshakeDone = profile.handshake() ? accepted + profile.rtt().toNanos() : accepted;
        this.up = new DelayLine(name + "-up", client, target,
                new Pacer(profile.perConnectionUpBytesPerSec(), profile.burstBytes()), sharedUp,
                profile.oneWayNanos(), handshakeDone, profile.queueBytes(), bytesUp, this);
        this.down = new DelayLine(name + "-down", target, client,
                new Pacer(profile.perConnectionDownBytesPerSec(), profile.burstBytes()), sharedDown,
                profile.oneWayNanos(), handshakeDone, profile.queueBytes(), bytesDown, this);
    }

    void start() {
        up.start();
        down.start();
    }

    void touch() {
        lastActivity = System.nanoTime();
    }

    boolean idleTooLong() {
        return System.nanoTime() - lastActivity >= idleNanos;
    }

    /** One direction delivered its end of stream; the second one closes the connection. */
    void directionEnded() {
        if (directionsOpen.decrementAndGet() == 0) {
            close();
        }
    }

    /** Tears the connection down after an error or on request; queued bytes are dropped, as on a reset. */
    void abort(String why) {
        LOG.debug("connection ended: {}", why);
        close();
    }

    void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        up.stop();
        down.stop();
        closeQuietly(client);
        closeQuietly(target);
        onClosed.accept(this);
    }

    void join(long millis) throws InterruptedException {
        up.join(millis);
        down.join(millis);
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // Closing a socket that already failed has nothing left to report.
        }
    }
}
