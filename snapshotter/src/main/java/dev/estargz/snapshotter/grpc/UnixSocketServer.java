package dev.estargz.snapshotter.grpc;

import dev.estargz.fusefs.fetch.ServingThreads;
import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.buffer.UnpooledByteBufAllocator;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/** A gRPC server on a unix socket (netty epoll), with named threads and an orderly shutdown. */
public final class UnixSocketServer implements AutoCloseable {
    private final Path socket;
    private final Server server;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final ExecutorService calls;

    private UnixSocketServer(Path socket, Server server, EventLoopGroup boss, EventLoopGroup workers,
                             ExecutorService calls) {
        this.socket = socket;
        this.server = server;
        this.boss = boss;
        this.workers = workers;
        this.calls = calls;
    }

    /** Binds {@code socket} (replacing a stale socket file, creating its directory 0700) and starts serving. */
    public static UnixSocketServer start(Path socket, BindableService service) throws IOException {
        return start(socket, List.of(service.bindService()));
    }

    /** As {@link #start(Path, BindableService)}, serving several services on the one socket. */
    public static UnixSocketServer start(Path socket, List<ServerServiceDefinition> services) throws IOException {
        Path dir = socket.toAbsolutePath().getParent();
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        }
        Files.deleteIfExists(socket);
        EventLoopGroup boss = new EpollEventLoopGroup(1, ServingThreads.numbered("grpc-accept-"));
        EventLoopGroup workers = new EpollEventLoopGroup(2, ServingThreads.numbered("grpc-io-"));
        ExecutorService calls = Executors.newCachedThreadPool(ServingThreads.numbered("snapshot-rpc-"));
        NettyServerBuilder builder = NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .channelType(EpollServerDomainSocketChannel.class)
                .bossEventLoopGroup(boss)
                .workerEventLoopGroup(workers)
                .executor(calls)
                // containerd's calls are a few hundred bytes: netty's pooled allocator would keep a 4 MiB arena
                // chunk (and per-thread caches) resident for them, buffers allocated per message cost nothing
                .withChildOption(ChannelOption.ALLOCATOR, UnpooledByteBufAllocator.DEFAULT);
        services.forEach(builder::addService);
        Server server = builder.build();
        try {
            server.start();
        } catch (IOException e) {
            boss.shutdownGracefully();
            workers.shutdownGracefully();
            calls.shutdownNow();
            throw new IOException("cannot serve on " + socket + ": " + e.getMessage(), e);
        }
        return new UnixSocketServer(socket, server, boss, workers, calls);
    }

    public Path socket() {
        return socket;
    }

    /** Stops accepting calls, waits up to 10 s for running ones, then releases threads and the socket file. */
    @Override
    public void close() {
        server.shutdown();
        try {
            if (!server.awaitTermination(10, TimeUnit.SECONDS)) {
                server.shutdownNow();
            }
        } catch (InterruptedException e) {
            server.shutdownNow();
            Thread.currentThread().interrupt();
        }
        calls.shutdownNow();
        boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        try {
            Files.deleteIfExists(socket);
        } catch (IOException ignored) {
            // a stale socket file is replaced at the next start
        }
    }
}
