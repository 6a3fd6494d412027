package dev.estargz.snapshotter.it;

import dev.estargz.proto.cri.ImageServiceGrpc;
import dev.estargz.proto.cri.ImageSpec;
import dev.estargz.proto.cri.PodSandboxConfig;
import dev.estargz.proto.cri.PodSandboxMetadata;
import dev.estargz.proto.cri.PullImageRequest;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** A kubelet's image pull, reduced to one call: CRI {@code runtime.v1.ImageService/PullImage} over a unix socket. */
final class CriImageService {
    private CriImageService() {
    }

    /** Pulls {@code image} as kubelet would for a pod; returns the image ref CRI answers (the image id). */
    static String pull(Path socket, String image) throws InterruptedException {
        EventLoopGroup group = new EpollEventLoopGroup(1);
        ManagedChannel channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .eventLoopGroup(group).channelType(EpollDomainSocketChannel.class).usePlaintext().build();
        try {
            PullImageRequest req = PullImageRequest.newBuilder()
                    .setImage(ImageSpec.newBuilder().setImage(image))
                    .setSandboxConfig(PodSandboxConfig.newBuilder().setMetadata(PodSandboxMetadata.newBuilder()
                            .setName("lazy-pod").setUid("uid-1").setNamespace("default")))
                    .build();
            return ImageServiceGrpc.newBlockingStub(channel).withDeadlineAfter(2, TimeUnit.MINUTES).pullImage(req)
                    .getImageRef();
        } finally {
            channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }
}
