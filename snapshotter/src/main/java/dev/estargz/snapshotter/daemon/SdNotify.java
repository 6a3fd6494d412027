package dev.estargz.snapshotter.daemon;

import io.grpc.netty.shaded.io.netty.bootstrap.Bootstrap;
import io.grpc.netty.shaded.io.netty.buffer.Unpooled;
import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainDatagramChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainDatagramPacket;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * systemd's sd_notify: one datagram to the unix socket named by {@code NOTIFY_SOCKET}. The JDK 17 has no
 * AF_UNIX datagram sockets, so this uses netty's epoll domain datagram channel (already shipped in
 * grpc-netty-shaded). Without {@code NOTIFY_SOCKET} it does nothing.
 */
public final class SdNotify {
    private static final Logger LOG = LoggerFactory.getLogger(SdNotify.class);

    private final String socket;

    public SdNotify(String notifySocket) {
        this.socket = notifySocket == null || notifySocket.isEmpty() ? null : notifySocket;
    }

    /** Sends {@code state} (e.g. {@code READY=1}); failures are logged, never thrown: readiness is advisory. */
    public void send(String state) {
        if (socket == null) {
            return;
        }
        // "@name" is an abstract socket, which the kernel spells with a leading NUL
        String path = socket.startsWith("@") ? "\0" + socket.substring(1) : socket;
        EventLoopGroup group = new EpollEventLoopGroup(1, (java.util.concurrent.ThreadFactory) r -> new Thread(r, "sd-notify"));
        try {
            Channel ch = new Bootstrap().group(group).channel(EpollDomainDatagramChannel.class)
                    .handler(new ChannelInboundHandlerAdapter()).bind(new DomainSocketAddress("")).sync().channel();
            ch.writeAndFlush(new DomainDatagramPacket(Unpooled.copiedBuffer(state, StandardCharsets.UTF_8),
                    new DomainSocketAddress(path))).sync();
            ch.close().sync();
        } catch (Exception e) {
            LOG.warn("sd_notify {} to {} failed: {}", state, socket, e.toString());
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }
}
