package dev.estargz.snapshotter.fusemanager;

import dev.estargz.fusefs.fetch.ServingThreads;
import dev.estargz.snapshotter.remote.LayerUnavailableException;
import dev.estargz.snapshotter.remote.MountOutcome;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fuse manager's unix socket: answers the daemon's {@link Wire} requests with the layers it serves. One thread
 * per connection, since a mount can take tens of seconds while containerd prepares other layers in parallel.
 */
final class MountServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MountServer.class);

    private final ServerSocketChannel channel;
    private final Path address;
    private final Path root;
    private final ServedLayers layers;
    /** Where snapshots live: the only place the daemon may ask to mount or unmount. */
    private final Path snapshots;
    private final String instance = UUID.randomUUID().toString();
    private final ExecutorService requests;
    private final Thread acceptor;

    private MountServer(ServerSocketChannel channel, Path address, Path root, ServedLayers layers) {
        this.channel = channel;
        this.address = address;
        this.root = root;
        this.layers = layers;
        this.snapshots = root.resolve("snapshotter").resolve("snapshots");
        this.requests = Executors.newCachedThreadPool(ServingThreads.numbered("fuse-manager-request-"));
        this.acceptor = new Thread(this::acceptLoop, "fuse-manager-accept");
    }

    /** Binds {@code address} (a stale socket file of a dead manager is replaced) and starts answering. */
    static MountServer start(Path address, Path root, ServedLayers layers) throws IOException {
        Files.createDirectories(address.toAbsolutePath().getParent());
        Files.deleteIfExists(address);
        ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        ch.bind(UnixDomainSocketAddress.of(address));
        MountServer s = new MountServer(ch, address, root, layers);
        s.acceptor.start();
        return s;
    }

    private void acceptLoop() {
        while (true) {
            SocketChannel c;
            try {
                c = channel.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                LOG.warn("accepting on {}: {}", address, e.toString());
                continue;
            }
            requests.execute(() -> answer(c));
        }
    }

    private void answer(SocketChannel c) {
        try (c) {
            BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(c),
                    StandardCharsets.UTF_8));
            Wire.Reply reply;
            try {
                reply = handle(Wire.decode(in.readLine(), Wire.Request.class));
            } catch (IOException e) {
                reply = Wire.Reply.of(Wire.Reply.ERROR, null, "bad request: " + e.getMessage());
            }
            OutputStream out = Channels.newOutputStream(c);
            out.write((Wire.encode(reply) + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException | RuntimeException e) {
            LOG.warn("answering a request on {}: {}", address, e.toString());
        }
    }

    Wire.Reply handle(Wire.Request r) {
        if (r.op() == null) {
            return Wire.Reply.of(Wire.Reply.ERROR, null, "request without op");
        }
        Map<String, String> labels = r.labels() == null ? Map.of() : r.labels();
        switch (r.op()) {
            case Wire.HELLO:
                return new Wire.Reply(Wire.Reply.OK, null, null, Wire.VERSION, ProcessHandle.current().pid(), instance,
                        root.toString(), null);
            case Wire.LIST:
                return new Wire.Reply(Wire.Reply.OK, null, null, null, null, null, null,
                        layers.mountpoints().stream().map(Path::toString).sorted().toList());
            default:
                break;
        }
        if (r.mountpoint() == null || !Path.of(r.mountpoint()).isAbsolute()) {
            return Wire.Reply.of(Wire.Reply.ERROR, null, r.op() + " needs an absolute mountpoint, got "
                    + r.mountpoint());
        }
        Path mp = Path.of(r.mountpoint()).normalize();
        if (!mp.startsWith(snapshots) || mp.equals(snapshots)) {
            return Wire.Reply.of(Wire.Reply.ERROR, null, r.op() + ": " + mp + " is not under " + snapshots);
        }
        switch (r.op()) {
            case Wire.MOUNT:
                return outcome(layers.mount(mp, labels));
            case Wire.RESTORE:
                return outcome(layers.restore(mp, labels));
            case Wire.UNMOUNT:
                layers.unmount(mp);
                return Wire.Reply.ok();
            case Wire.CHECK:
                if (!layers.isServing(mp)) {
                    return Wire.Reply.of(Wire.Reply.NOT_SERVED, null, "not mounted by this fuse manager");
                }
                try {
                    layers.check(mp, labels);
                    return Wire.Reply.ok();
                } catch (LayerUnavailableException e) {
                    return Wire.Reply.of(Wire.Reply.UNAVAILABLE, null, e.getMessage());
                }
            default:
                return Wire.Reply.of(Wire.Reply.ERROR, null, "unknown op " + r.op());
        }
    }

    private static Wire.Reply outcome(MountOutcome o) {
        if (o instanceof MountOutcome.NotMounted nm) {
            return Wire.Reply.of(Wire.Reply.NOT_MOUNTED, nm.reason().name(), nm.detail());
        }
        return Wire.Reply.ok();
    }

    /** Stops answering and removes the socket file; in-flight requests are abandoned. */
    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            LOG.debug("closing {}: {}", address, e.toString());
        }
        requests.shutdownNow();
        try {
            acceptor.join(TimeUnit.SECONDS.toMillis(5));
            Files.deleteIfExists(address);
        } catch (IOException e) {
            LOG.debug("removing {}: {}", address, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
