package dev.estargz.snapshotter.fusemanager;

import dev.estargz.fusefs.fuse.FuseMount;
import dev.estargz.fusefs.fuse.MountTable;
import dev.estargz.snapshotter.remote.FallbackReason;
import dev.estargz.snapshotter.remote.LayerUnavailableException;
import dev.estargz.snapshotter.remote.MountOutcome;
import dev.estargz.snapshotter.remote.RemoteLayerMounter;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's side of the fuse manager: every layer is mounted, checked and unmounted by the detached manager
 * process, so the daemon can die or be upgraded while running containers keep reading their layers. Starts the
 * manager when none answers (at start, or after the manager died); a new manager restores a layer from its saved
 * state the first time the daemon asks for it. Closing this leaves the manager and its mounts running.
 */
public final class DetachedLayerMounter implements RemoteLayerMounter, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DetachedLayerMounter.class);
    private static final Duration HELLO_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    /** Above the 30 s resolve timeout of a mount plus the FUSE mount itself. */
    private static final Duration MOUNT_TIMEOUT = Duration.ofMinutes(3);
    private static final Duration OTHER_TIMEOUT = Duration.ofMinutes(1);

    private final DetachedLaunch launch;
    private final Path address;
    private final Duration checkTimeout;
    private final ScheduledExecutorService watchdog;
    /** Mountpoints a manager instance was already asked to restore (so a failing one is not retried per check). */
    private final Set<String> restoreAsked = ConcurrentHashMap.newKeySet();
    private volatile Wire.Reply manager;
    /** The first manager's start, when {@link #connect} found none; null when one answered at once. */
    private volatile CompletableFuture<Void> starting;

    private DetachedLayerMounter(DetachedLaunch launch, long prefetchTimeoutSec) {
        this.launch = launch;
        this.address = launch.address();
        this.checkTimeout = OTHER_TIMEOUT.plusSeconds(Math.max(0, prefetchTimeoutSec)).plusSeconds(10);
        this.watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "fuse-manager-call-timeout");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Connects to the manager at {@code address}, starting it (detached) when none answers. A manager that is
     * already running keeps every layer it serves: restoring those is a no-op.
     *
     * @param executable {@code [fuse_manager] path}, or empty for this JVM's java and class path
     */
    public static DetachedLayerMounter connect(String executable, Path address, Path config, Path root,
            String logLevel, long prefetchTimeoutSec) throws IOException {
        DetachedLayerMounter m = new DetachedLayerMounter(new DetachedLaunch(executable,
                address.toAbsolutePath().normalize(), config.toAbsolutePath(), root.toAbsolutePath().normalize(),
                logLevel), prefetchTimeoutSec);
        try {
            IOException none = m.hello();
            if (none == null) {
                m.logServed();
            } else {
                // A new manager is a JVM that takes seconds to answer: the daemon serves containerd meanwhile
                // (socket ready in well under a second) and the first call waits for the manager instead.
                LOG.debug("no fuse manager at {}: {}", m.address, none.getMessage());
                m.starting = CompletableFuture.runAsync(() -> {
                    try {
                        m.ensureRunning();
                        m.logServed();
                    } catch (IOException e) {
                        LOG.error("failed to start the fuse manager at {}: {}", m.address, e.getMessage());
                        throw new UncheckedIOException(e);
                    }
                }, r -> {
                    Thread t = new Thread(r, "fuse-manager-start");
                    t.setDaemon(true);
                    t.start();
                });
            }
        } catch (IOException e) {
            m.close();
            throw e;
        }
        return m;
    }

    private void logServed() throws IOException {
        List<String> served = exchange(new Wire.Request(Wire.LIST, null, null), HELLO_TIMEOUT).mountpoints();
        LOG.info("fuse manager pid {} at {} serves {} layers; they are kept", manager.pid(), address,
                served == null ? 0 : served.size());
    }

    /** Waits for the manager started by {@link #connect}, if it is still starting; its failure is not thrown. */
    private void awaitStart() throws IOException {
        CompletableFuture<Void> s = starting;
        if (s == null) {
            return;
        }
        try {
            s.get(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            // call() starts another one (and reports why that fails) when none answers
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while the fuse manager starts");
        }
    }

    @Override
    public MountOutcome mount(Path mountpoint, Map<String, String> labels) {
        return mountCall(Wire.MOUNT, mountpoint, labels);
    }

    @Override
    public MountOutcome restore(Path mountpoint, Map<String, String> labels) {
        return mountCall(Wire.RESTORE, mountpoint, labels);
    }

    private MountOutcome mountCall(String op, Path mountpoint, Map<String, String> labels) {
        Wire.Reply r;
        try {
            r = call(new Wire.Request(op, abs(mountpoint), labels), MOUNT_TIMEOUT);
        } catch (IOException e) {
            return new MountOutcome.NotMounted(FallbackReason.FAILED, "fuse manager at " + address + ": "
                    + e.getMessage());
        }
        if (Wire.Reply.OK.equals(r.status())) {
            return MountOutcome.mounted();
        }
        return new MountOutcome.NotMounted(reason(r.reason()), r.detail() == null ? r.status() : r.detail());
    }

    @Override
    public void check(Path mountpoint, Map<String, String> labels) throws LayerUnavailableException {
        Wire.Reply r = checkCall(mountpoint, labels);
        if (Wire.Reply.NOT_SERVED.equals(r.status())) {
            // a new manager (the old one died): bring the layer back from its saved state, once per manager
            Wire.Reply instance = manager;
            if (instance != null && restoreAsked.add(instance.instance() + " " + abs(mountpoint))) {
                MountOutcome o = restore(mountpoint, labels);
                if (o instanceof MountOutcome.NotMounted nm) {
                    throw new LayerUnavailableException(mountpoint, "the fuse manager lost it and restoring it "
                            + "failed: " + nm.detail(), null);
                }
                LOG.info("layer at {} restored in fuse manager pid {}", mountpoint, instance.pid());
                r = checkCall(mountpoint, labels);
            }
        }
        if (!Wire.Reply.OK.equals(r.status())) {
            throw new LayerUnavailableException(mountpoint, stripPrefix(mountpoint, r.detail()), null);
        }
    }

    private Wire.Reply checkCall(Path mountpoint, Map<String, String> labels) throws LayerUnavailableException {
        try {
            return call(new Wire.Request(Wire.CHECK, abs(mountpoint), labels), checkTimeout);
        } catch (IOException e) {
            throw new LayerUnavailableException(mountpoint, "fuse manager at " + address + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void unmount(Path mountpoint) {
        try {
            awaitStart();
            exchange(new Wire.Request(Wire.UNMOUNT, abs(mountpoint), null), OTHER_TIMEOUT);
        } catch (IOException e) {
            // no manager (it died): at most a dead mount is left there; starting a manager just for that is useless
            LOG.debug("fuse manager unreachable for unmount of {}: {}", mountpoint, e.getMessage());
            try {
                if (MountTable.isMountPoint(mountpoint)) {
                    FuseMount.forceUnmount(mountpoint);
                }
            } catch (IOException | RuntimeException e2) {
                LOG.warn("unmounting {}: {}", mountpoint, e2.toString());
            }
        }
    }

    /**
     * One round trip to the manager that changes nothing (it lists what it serves), once it has started; the
     * snapshot warm-up's stand-in check, so that the daemon's side of every real check runs compiled code.
     */
    public void ping() throws IOException {
        awaitStart();
        exchange(new Wire.Request(Wire.LIST, null, null), HELLO_TIMEOUT);
    }

    /** The pid of the manager last talked to. */
    public long managerPid() {
        Wire.Reply m = manager;
        return m == null ? -1 : m.pid();
    }

    /** Sends {@code request}, starting a manager first if none answers (it died, or was never started). */
    private Wire.Reply call(Wire.Request request, Duration timeout) throws IOException {
        awaitStart();
        SocketChannel ch;
        try {
            ch = open();
        } catch (IOException e) {
            LOG.warn("fuse manager at {} does not answer ({}); starting a new one. Layers of running containers"
                    + " served by the old one are lost; the others come back from saved state", address,
                    e.getMessage());
            ensureRunning();
            ch = open();
        }
        Wire.Reply r = exchange(ch, request, timeout);
        if (Wire.Reply.ERROR.equals(r.status())) {
            throw new IOException("the fuse manager refused " + request.op() + ": " + r.detail());
        }
        return r;
    }

    private synchronized void ensureRunning() throws IOException {
        IOException last = hello();
        if (last == null) {
            return;
        }
        LOG.debug("no fuse manager at {}: {}", address, last.getMessage());
        Process p = launch.start();
        LOG.info("started fuse manager pid {} (log {})", p.pid(), launch.log());
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            last = hello();
            if (last == null) {
                return;
            }
            // exit 0: another daemon's manager won the lock and will answer; anything else is a failure
            if (!p.isAlive() && p.exitValue() != 0) {
                throw new IOException("the fuse manager exited with " + p.exitValue() + "; see " + launch.log()
                        + ":\n" + tail(launch.log()));
            }
            sleep(100);
        }
        throw new IOException("the fuse manager did not answer on " + address + " within "
                + START_TIMEOUT.toSeconds() + " s (" + (last == null ? "" : last.getMessage()) + "); see "
                + launch.log());
    }

    /** Greets the manager and adopts it; returns why none answered, or null when one did. */
    private IOException hello() throws ManagerMismatchException {
        try {
            adopt(exchange(new Wire.Request(Wire.HELLO, null, null), HELLO_TIMEOUT));
            return null;
        } catch (ManagerMismatchException e) {
            throw e;
        } catch (IOException e) {
            return e;
        }
    }

    private void adopt(Wire.Reply hello) throws ManagerMismatchException {
        if (hello.version() == null || hello.version() != Wire.VERSION) {
            throw new ManagerMismatchException("the fuse manager at " + address + " speaks protocol version "
                    + hello.version() + ", this daemon " + Wire.VERSION + "; stop it (its mounts go with it) or"
                    + " configure another [fuse_manager] address");
        }
        if (!launch.root().toString().equals(hello.root())) {
            throw new ManagerMismatchException("the fuse manager at " + address + " serves root " + hello.root()
                    + ", not " + launch.root() + "; configure another [fuse_manager] address");
        }
        Wire.Reply before = manager;
        if (before != null && !before.instance().equals(hello.instance())) {
            LOG.warn("fuse manager changed (pid {} -> {}); layers come back from saved state when next used",
                    before.pid(), hello.pid());
        }
        manager = hello;
    }

    private SocketChannel open() throws IOException {
        if (!Files.exists(address)) {
            throw new IOException("no socket " + address);
        }
        return SocketChannel.open(UnixDomainSocketAddress.of(address));
    }

    private Wire.Reply exchange(Wire.Request request, Duration timeout) throws IOException {
        return exchange(open(), request, timeout);
    }

    /** One request, one reply; the watchdog closes the channel (failing the read) after {@code timeout}. */
    private Wire.Reply exchange(SocketChannel ch, Wire.Request request, Duration timeout) throws IOException {
        ScheduledFuture<?> guard = watchdog.schedule(() -> {
            try {
                ch.close();
            } catch (IOException ignored) {
                // closing is all the watchdog can do
            }
        }, timeout.toMillis(), TimeUnit.MILLISECONDS);
        try (ch) {
            ch.write(ByteBuffer.wrap((Wire.encode(request) + "\n").getBytes(StandardCharsets.UTF_8)));
            BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(ch),
                    StandardCharsets.UTF_8));
            return Wire.decode(in.readLine(), Wire.Reply.class);
        } catch (AsynchronousCloseException e) {
            throw new IOException("no answer to " + request.op() + " within " + timeout.toSeconds() + " s", e);
        } finally {
            guard.cancel(false);
        }
    }

    /** Leaves the manager and its mounts running (the point of it); only this client's timer stops. */
    @Override
    public void close() {
        watchdog.shutdownNow();
    }

    private static String abs(Path p) {
        return p.toAbsolutePath().normalize().toString();
    }

    private static FallbackReason reason(String name) {
        try {
            return name == null ? FallbackReason.FAILED : FallbackReason.valueOf(name);
        } catch (IllegalArgumentException e) {
            return FallbackReason.FAILED;
        }
    }

    /** The manager's message already starts with "layer at X unavailable: "; do not say it twice. */
    private static String stripPrefix(Path mountpoint, String detail) {
        String prefix = "layer at " + abs(mountpoint) + " unavailable: ";
        if (detail == null) {
            return "unavailable";
        }
        return detail.startsWith(prefix) ? detail.substring(prefix.length()) : detail;
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(" + e.getMessage() + ")";
        }
    }

    private static void sleep(long ms) throws IOException {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for the fuse manager", e);
        }
    }

    /** A manager answers but cannot be used by this daemon (other protocol version or root). */
    static final class ManagerMismatchException extends IOException {
        ManagerMismatchException(String message) {
            super(message);
        }
    }
}
