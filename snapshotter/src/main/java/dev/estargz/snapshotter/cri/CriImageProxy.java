package dev.estargz.snapshotter.cri;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.estargz.fusefs.fetch.ServingThreads;
import dev.estargz.proto.cri.PullImageRequest;
import dev.estargz.proto.cri.RemoveImageRequest;
import io.grpc.CallOptions;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A CRI image service that passes every call on, bytes unchanged, to containerd's CRI at {@code image_service_path},
 * and on the way records the {@code AuthConfig} of each {@code PullImage} in {@link CriCredentials} (a
 * {@code RemoveImage} forgets it). Serves {@code runtime.v1.ImageService}, kubelet's, and
 * {@code runtime.v1alpha2.ImageService}, the reference's; both have the same messages on the wire.
 */
public final class CriImageProxy implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CriImageProxy.class);
    private static final List<String> SERVICES = List.of("runtime.v1.ImageService", "runtime.v1alpha2.ImageService");
    /** Every rpc of the CRI ImageService; all are unary. */
    private static final List<String> METHODS = List.of("ListImages", "ImageStatus", "PullImage", "RemoveImage",
            "ImageFsInfo");
    /** containerd's default limit for a received message (a ListImages of many images is large). */
    private static final int MAX_MESSAGE = 16 << 20;
    private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw Status.INTERNAL.withDescription("reading a CRI message: " + e.getMessage()).withCause(e)
                        .asRuntimeException();
            }
        }
    };

    private final Path backend;
    private final CriCredentials credentials;
    private final EventLoopGroup group;
    private final ManagedChannel channel;

    private CriImageProxy(Path backend, CriCredentials credentials, EventLoopGroup group, ManagedChannel channel) {
        this.backend = backend;
        this.credentials = credentials;
        this.group = group;
        this.channel = channel;
    }

    /**
     * A proxy to the CRI at {@code backend} (a unix socket). The connection is made at the first call and made
     * again after containerd restarts; while containerd is down calls fail with {@code UNAVAILABLE}.
     */
    public static CriImageProxy connect(Path backend, CriCredentials credentials) {
        EventLoopGroup group = new EpollEventLoopGroup(1, ServingThreads.numbered("cri-backend-"));
        ManagedChannel channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(backend.toString()))
                .eventLoopGroup(group).channelType(EpollDomainSocketChannel.class).usePlaintext()
                .maxInboundMessageSize(MAX_MESSAGE)
                // the callbacks only hand a reply over to the caller's call
                .directExecutor()
                .build();
        return new CriImageProxy(backend, credentials, group, channel);
    }

    /** The services to add to a gRPC server. */
    public List<ServerServiceDefinition> services() {
        List<ServerServiceDefinition> out = new ArrayList<>();
        for (String service : SERVICES) {
            ServerServiceDefinition.Builder b = ServerServiceDefinition.builder(service);
            for (String name : METHODS) {
                MethodDescriptor<byte[], byte[]> method = MethodDescriptor.<byte[], byte[]>newBuilder()
                        .setType(MethodDescriptor.MethodType.UNARY)
                        .setFullMethodName(MethodDescriptor.generateFullMethodName(service, name))
                        .setRequestMarshaller(BYTES).setResponseMarshaller(BYTES).build();
                b.addMethod(method, ServerCalls.asyncUnaryCall((request, reply) -> {
                    switch (name) {
                        case "PullImage" -> pull(method, request, reply);
                        case "RemoveImage" -> remove(method, request, reply);
                        default -> forward(method, request, reply);
                    }
                }));
            }
            out.add(b.build());
        }
        return out;
    }

    private void pull(MethodDescriptor<byte[], byte[]> method, byte[] request, StreamObserver<byte[]> reply) {
        String image;
        Runnable undo;
        try {
            PullImageRequest r = PullImageRequest.parseFrom(request);
            image = r.getImage().getImage();
            undo = credentials.record(image, r.hasAuth() ? r.getAuth() : null);
        } catch (InvalidProtocolBufferException | IllegalArgumentException e) {
            reply.onError(Status.INVALID_ARGUMENT.withDescription("PullImage: " + e.getMessage()).asRuntimeException());
            return;
        }
        forward(method, request, new StreamObserver<>() {
            @Override
            public void onNext(byte[] value) {
                reply.onNext(value);
            }

            @Override
            public void onError(Throwable t) {
                // one wrong pull secret must not break the reads of the layers of an earlier, good pull
                undo.run();
                LOG.warn("CRI PullImage of {} failed at {}, its credentials are not kept: {}", image, backend,
                        Status.fromThrowable(t));
                reply.onError(t);
            }

            @Override
            public void onCompleted() {
                LOG.info("CRI PullImage of {} done; its layers are read with the credentials it carried", image);
                reply.onCompleted();
            }
        });
    }

    private void remove(MethodDescriptor<byte[], byte[]> method, byte[] request, StreamObserver<byte[]> reply) {
        try {
            credentials.forget(RemoveImageRequest.parseFrom(request).getImage().getImage());
        } catch (InvalidProtocolBufferException e) {
            reply.onError(Status.INVALID_ARGUMENT.withDescription("RemoveImage: " + e.getMessage())
                    .asRuntimeException());
            return;
        }
        forward(method, request, reply);
    }

    /** The call to containerd runs in the caller's context: its deadline and cancellation carry over. */
    private void forward(MethodDescriptor<byte[], byte[]> method, byte[] request, StreamObserver<byte[]> reply) {
        try {
            ClientCalls.asyncUnaryCall(channel.newCall(method,
                    CallOptions.DEFAULT.withDeadline(Context.current().getDeadline())), request, reply);
        } catch (StatusRuntimeException e) {
            reply.onError(e);
        }
    }

    /** Closes the connection to containerd (calls in flight are cancelled). */
    @Override
    public void close() {
        channel.shutdownNow();
        try {
            channel.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    @Override
    public String toString() {
        return "CRI image service proxy to " + backend;
    }
}
