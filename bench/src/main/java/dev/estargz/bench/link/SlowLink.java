package dev.estargz.bench.link;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * A simulated wide-area link in user space (the kernel here has no netem): a TCP proxy on 127.0.0.1 that relays
 * each connection to a loopback target, delaying every byte by half the round-trip time each way, pacing each
 * direction with token buckets (shared by the link and, optionally, per connection) and charging a round trip for
 * each new connection's handshake. Closing it ends every connection and thread it started.
 *
 * <p>What it does not simulate: loss, reordering, and TCP's own reaction to the delay: both TCP hops are on
 * loopback, so congestion windows open at once and slow start costs nothing. Latency in round trips and
 * throughput against the cap are measured honestly; a real link would make long transfers ramp up slower.
 */
public final class SlowLink implements AutoCloseable {
    /** Largest chunk read and stamped at once; small enough to keep pacing smooth at a few Mbit/s. */
    static final int READ_CHUNK = 16 * 1024;
    private static final int CONNECT_TIMEOUT_MS = 5_000;
    private static final int IDLE_TICK_MS = 1_000;

    private final InetSocketAddress target;
    private final LinkProfile profile;
    private final ServerSocket server;
    private final Pacer sharedUp;
    private final Pacer sharedDown;
    private final LongAdder bytesUp = new LongAdder();
    private final LongAdder bytesDown = new LongAdder();
    private final AtomicLong accepted = new AtomicLong();
    private final Set<LinkConnection> open = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;
    private volatile boolean closed;

    private SlowLink(InetSocketAddress target, LinkProfile profile) throws IOException {
        this.target = target;
        this.profile = profile;
        this.sharedUp = new Pacer(profile.sharedUpBytesPerSec(), profile.burstBytes());
        this.sharedDown = new Pacer(profile.sharedDownBytesPerSec(), profile.burstBytes());
        this.server = new ServerSocket(0, 64, InetAddress.getByName("127.0.0.1"));
        this.acceptor = new Thread(this::acceptLoop, "slowlink-" + server.getLocalPort() + "-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /**
     * Starts a symmetric link to {@code targetHostPort} ({@code 127.0.0.1:5000}) with {@code rtt} added and
     * {@code bandwidthBytesPerSec} each way shared by all connections (see {@link LinkProfile#of}).
     */
    public static SlowLink start(String targetHostPort, Duration rtt, long bandwidthBytesPerSec) throws IOException {
        int colon = targetHostPort.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("target must be host:port, got " + targetHostPort);
        }
        InetSocketAddress t = new InetSocketAddress(targetHostPort.substring(0, colon),
                Integer.parseInt(targetHostPort.substring(colon + 1)));
        return start(t, LinkProfile.of(rtt, bandwidthBytesPerSec));
    }

    /**
     * Starts a link to {@code target}, which must be a loopback address, as {@code profile} describes. It first
     * relays a few bytes through a throwaway link (see {@link LinkWarmUp}) so the first connection is not slowed
     * by the JVM's own warm-up.
     */
    public static SlowLink start(InetSocketAddress target, LinkProfile profile) throws IOException {
        checkLoopback(target);
        LinkWarmUp.run();
        return new SlowLink(target, profile);
    }

    /** As {@link #start(InetSocketAddress, LinkProfile)} without the warm-up. */
    static SlowLink startCold(InetSocketAddress target, LinkProfile profile) throws IOException {
        checkLoopback(target);
        return new SlowLink(target, profile);
    }

    private static void checkLoopback(InetSocketAddress target) {
        if (target.isUnresolved() || !target.getAddress().isLoopbackAddress()) {
            throw new IllegalArgumentException("SlowLink relays to loopback targets only, not " + target);
        }
    }

    /** The local port clients connect to (on 127.0.0.1). */
    public int port() {
        return server.getLocalPort();
    }

    /** {@code 127.0.0.1:<port>}, ready for an image reference or a URL. */
    public String host() {
        return "127.0.0.1:" + port();
    }

    public LinkProfile profile() {
        return profile;
    }

    /** Counters so far; take two snapshots and {@link LinkStats#minus} them to measure one step. */
    public LinkStats stats() {
        return new LinkStats(accepted.get(), bytesUp.sum(), bytesDown.sum());
    }

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            long id = accepted.incrementAndGet();
            Socket upstream = new Socket();
            try {
                client.setTcpNoDelay(true);
                client.setSoTimeout(idleTick());
                upstream.connect(target, CONNECT_TIMEOUT_MS);
                upstream.setTcpNoDelay(true);
                upstream.setSoTimeout(idleTick());
            } catch (IOException e) {
                // The target refused: the client sees its connection close, as it would on a real link.
                closeQuietly(client);
                closeQuietly(upstream);
                continue;
            }
            LinkConnection c = new LinkConnection("slowlink-" + port() + "-c" + id, client, upstream, profile,
                    sharedUp, sharedDown, bytesUp, bytesDown, open::remove);
            open.add(c);
            if (closed) {
                c.close();
                return;
            }
            c.start();
        }
    }

    private int idleTick() {
        return (int) Math.max(1, Math.min(IDLE_TICK_MS, profile.idleTimeout().toMillis()));
    }

    /** Stops accepting, ends every open connection and waits (briefly) for their threads. */
    @Override
    public void close() {
        closed = true;
        closeQuietly(server);
        List<LinkConnection> all = List.copyOf(open);
        all.forEach(LinkConnection::close);
        try {
            acceptor.join(2_000);
            for (LinkConnection c : all) {
                c.join(2_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            // Nothing useful to do about a failed close during teardown.
        }
    }

    @Override
    public String toString() {
        return "SlowLink[" + host() + " -> " + target + ", " + profile + "]";
    }
}
