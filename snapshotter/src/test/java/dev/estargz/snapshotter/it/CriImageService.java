package dev.estargz.snapshotter.it;

import dev.estargz.proto.cri.AuthConfig;
import dev.estargz.proto.cri.ImageServiceGrpc;
import dev.estargz.proto.cri.ImageSpec;
import dev.estargz.proto.cri.ImageStatusRequest;
import dev.estargz.proto.cri.PodSandboxConfig;
import dev.estargz.proto.cri.PodSandboxMetadata;
import dev.estargz.proto.cri.PullImageRequest;
import dev.estargz.proto.cri.RemoveImageRequest;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/** A kubelet's image calls, one at a time: CRI {@code runtime.v1.ImageService} over a unix socket. */
final class CriImageService {
    private CriImageService() {
    }

    /** Pulls {@code image} as kubelet would for a pod; returns the image ref CRI answers (the image id). */
    static String pull(Path socket, String image) throws InterruptedException {
        return pull(socket, image, null);
    }

    /** As {@link #pull(Path, String)}, with {@code auth} (a pod's pull secret) when not null. */
    static String pull(Path socket, String image, AuthConfig auth) throws InterruptedException {
        PullImageRequest.Builder req = PullImageRequest.newBuilder()
                .setImage(ImageSpec.newBuilder().setImage(image))
                .setSandboxConfig(PodSandboxConfig.newBuilder().setMetadata(PodSandboxMetadata.newBuilder()
                        .setName("lazy-pod").setUid("uid-1").setNamespace("default")));
        if (auth != null) {
            req.setAuth(auth);
        }
        return call(socket, s -> s.pullImage(req.build()).getImageRef());
    }

    /** The id of {@code image} as CRI knows it, or "" when it has no such image. */
    static String status(Path socket, String image) throws InterruptedException {
        return call(socket, s -> s.imageStatus(ImageStatusRequest.newBuilder()
                .setImage(ImageSpec.newBuilder().setImage(image)).build()).getImage().getId());
    }

    /** Removes {@code image} (a reference or an id). */
    static void remove(Path socket, String image) throws InterruptedException {
        call(socket, s -> s.removeImage(RemoveImageRequest.newBuilder()
                .setImage(ImageSpec.newBuilder().setImage(image)).build()));
    }

    private static <T> T call(Path socket, Function<ImageServiceGrpc.ImageServiceBlockingStub, T> rpc)
            throws InterruptedException {
        EventLoopGroup group = new EpollEventLoopGroup(1);
        ManagedChannel channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .eventLoopGroup(group).channelType(EpollDomainSocketChannel.class).usePlaintext().build();
        try {
            return rpc.apply(ImageServiceGrpc.newBlockingStub(channel).withDeadlineAfter(2, TimeUnit.MINUTES));
        } finally {
            channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }
}
