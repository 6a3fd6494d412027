package dev.estargz.bench.link;

import java.time.Duration;

/**
 * What a {@link SlowLink} simulates: a round-trip time split evenly between the two directions, bandwidth caps per
 * direction for the whole link (shared by its connections) and for each connection, a router queue, and bounds on
 * how long an idle connection lives.
 *
 * @param rtt                    added round-trip time; each direction delays every byte by half of it
 * @param sharedUpBytesPerSec    cap on client → target bytes per second over all connections (0 = none)
 * @param sharedDownBytesPerSec  cap on target → client bytes per second over all connections (0 = none)
 * @param perConnectionUpBytesPerSec   cap per connection, client → target (0 = none)
 * @param perConnectionDownBytesPerSec cap per connection, target → client (0 = none)
 * @param burstBytes             token-bucket depth: bytes that may leave at once after an idle spell
 * @param queueBytes             bytes one direction of one connection holds in flight (the bandwidth-delay product
 *                               plus the router's queue) before it stops reading, pushing back on the sender
 * @param handshake              charge one round trip before a new connection's first byte reaches the target,
 *                               as a TCP handshake over the real link would (the local connect returns at once)
 * @param idleTimeout            a connection with no bytes in either direction for this long is closed
 */
public record LinkProfile(Duration rtt, long sharedUpBytesPerSec, long sharedDownBytesPerSec,
                          long perConnectionUpBytesPerSec, long perConnectionDownBytesPerSec, int burstBytes,
                          int queueBytes, boolean handshake, Duration idleTimeout) {
    public LinkProfile {
        if (rtt.isNegative() || idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw new IllegalArgumentException("rtt must be >= 0 and idleTimeout > 0: " + rtt + ", " + idleTimeout);
        }
        if (sharedUpBytesPerSec < 0 || sharedDownBytesPerSec < 0 || perConnectionUpBytesPerSec < 0
                || perConnectionDownBytesPerSec < 0 || burstBytes < 0) {
            throw new IllegalArgumentException("bandwidths and burst must be >= 0 (0 = unlimited)");
        }
        if (queueBytes < SlowLink.READ_CHUNK) {
            throw new IllegalArgumentException("queueBytes must be at least " + SlowLink.READ_CHUNK);
        }
    }

    /**
     * A symmetric link of {@code bytesPerSec} each way, shared by all connections, with a queue of twice the
     * bandwidth-delay product (at least 1 MiB), a TCP handshake and a 2-minute idle timeout.
     */
    public static LinkProfile of(Duration rtt, long bytesPerSec) {
        long bdp = bytesPerSec == 0 ? 0 : (long) (bytesPerSec * (rtt.toNanos() / 1e9));
        int queue = (int) Math.min(Integer.MAX_VALUE, Math.max(1 << 20, 2 * bdp));
        return new LinkProfile(rtt, bytesPerSec, bytesPerSec, 0, 0, SlowLink.READ_CHUNK, queue, true,
                Duration.ofMinutes(2));
    }

    /** This profile with each connection also capped to {@code up} / {@code down} bytes per second. */
    public LinkProfile withPerConnection(long up, long down) {
        return new LinkProfile(rtt, sharedUpBytesPerSec, sharedDownBytesPerSec, up, down, burstBytes, queueBytes,
                handshake, idleTimeout);
    }

    /** This profile with or without the handshake round trip. */
    public LinkProfile withHandshake(boolean v) {
        return new LinkProfile(rtt, sharedUpBytesPerSec, sharedDownBytesPerSec, perConnectionUpBytesPerSec,
                perConnectionDownBytesPerSec, burstBytes, queueBytes, v, idleTimeout);
    }

    /** This profile with another idle timeout. */
    public LinkProfile withIdleTimeout(Duration v) {
        return new LinkProfile(rtt, sharedUpBytesPerSec, sharedDownBytesPerSec, perConnectionUpBytesPerSec,
                perConnectionDownBytesPerSec, burstBytes, queueBytes, handshake, v);
    }

    long oneWayNanos() {
        return rtt.toNanos() / 2;
    }
}
