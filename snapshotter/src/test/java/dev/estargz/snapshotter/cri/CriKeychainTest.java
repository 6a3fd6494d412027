package dev.estargz.snapshotter.cri;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.estargz.proto.cri.AuthConfig;
import dev.estargz.proto.cri.Image;
import dev.estargz.proto.cri.ImageServiceGrpc;
import dev.estargz.proto.cri.ImageSpec;
import dev.estargz.proto.cri.ImageStatusRequest;
import dev.estargz.proto.cri.ImageStatusResponse;
import dev.estargz.proto.cri.PullImageRequest;
import dev.estargz.proto.cri.PullImageResponse;
import dev.estargz.proto.cri.RemoveImageRequest;
import dev.estargz.proto.cri.RemoveImageResponse;
import dev.estargz.registry.auth.Credential;
import dev.estargz.snapshotter.config.CriKeychainConfig;
import dev.estargz.snapshotter.grpc.UnixSocketServer;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The keychain on {@code listen_path} in front of a stand-in for containerd's CRI (a password check, no pulls). */
class CriKeychainTest {
    private static final String IMAGE = "r.example/team/app:1";

    @TempDir
    Path dir;
    private final List<String> backendSaw = new CopyOnWriteArrayList<>();
    private UnixSocketServer backend;
    private CriKeychain keychain;
    private Path listen;
    private EventLoopGroup group;
    private ManagedChannel channel;

    /** Accepts the password "good" only, as a registry behind containerd would. */
    private final class FakeContainerdCri extends ImageServiceGrpc.ImageServiceImplBase {
        @Override
        public void pullImage(PullImageRequest r, StreamObserver<PullImageResponse> reply) {
            backendSaw.add("PullImage " + r.getImage().getImage());
            if (r.getAuth().getPassword().equals("good")) {
                reply.onNext(PullImageResponse.newBuilder().setImageRef("sha256:feed").build());
                reply.onCompleted();
            } else {
                reply.onError(Status.UNKNOWN.withDescription("failed to pull and unpack image \""
                        + r.getImage().getImage() + "\": 401 Unauthorized").asRuntimeException());
            }
        }

        @Override
        public void imageStatus(ImageStatusRequest r, StreamObserver<ImageStatusResponse> reply) {
            backendSaw.add("ImageStatus " + r.getImage().getImage());
            reply.onNext(ImageStatusResponse.newBuilder().setImage(Image.newBuilder().setId("sha256:feed")
                    .addRepoTags(r.getImage().getImage()).setSize(42)).build());
            reply.onCompleted();
        }

        @Override
        public void removeImage(RemoveImageRequest r, StreamObserver<RemoveImageResponse> reply) {
            backendSaw.add("RemoveImage " + r.getImage().getImage());
            reply.onNext(RemoveImageResponse.getDefaultInstance());
            reply.onCompleted();
        }
    }

    @BeforeEach
    void start() throws Exception {
        ServerServiceDefinition v1 = new FakeContainerdCri().bindService();
        backend = UnixSocketServer.start(dir.resolve("containerd.sock"),
                List.of(v1, renamed(v1, "runtime.v1alpha2.ImageService")));
        listen = dir.resolve("cri/keychain.sock");
        keychain = CriKeychain.of(new CriKeychainConfig(true, backend.socket().toString(), listen.toString()));
        keychain.startInDaemon(dir.resolve("daemon.sock"), false);
        group = new EpollEventLoopGroup(1);
        channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(listen.toString())).eventLoopGroup(group)
                .channelType(EpollDomainSocketChannel.class).usePlaintext().build();
    }

    @AfterEach
    void stop() throws Exception {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        keychain.close();
        backend.close();
    }

    private ImageServiceGrpc.ImageServiceBlockingStub cri() {
        return ImageServiceGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS);
    }

    private static PullImageRequest pull(String password) {
        return PullImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(IMAGE))
                .setAuth(AuthConfig.newBuilder().setUsername("alice").setPassword(password)).build();
    }

    private Credential recorded() throws Exception {
        return keychain.credentials().lookup("r.example", "team/app");
    }

    /** containerd 1.6 serves both versions of the service; so does the stand-in. */
    private static ServerServiceDefinition renamed(ServerServiceDefinition d, String service) {
        ServerServiceDefinition.Builder b = ServerServiceDefinition.builder(service);
        d.getMethods().forEach(m -> addRenamed(b, m, service));
        return b.build();
    }

    private static <Q, R> void addRenamed(ServerServiceDefinition.Builder b, ServerMethodDefinition<Q, R> m,
                                          String service) {
        MethodDescriptor<Q, R> d = m.getMethodDescriptor();
        b.addMethod(d.toBuilder().setFullMethodName(MethodDescriptor.generateFullMethodName(service,
                d.getBareMethodName())).build(), m.getServerCallHandler());
    }

    @Test
    void servesOnListenPathAndNotOnTheDaemonSocket() {
        assertTrue(Files.exists(listen));
        assertEquals(1, keychain.onDaemonSocket(new FakeContainerdCri().bindService()).size());
    }

    @Test
    void aGoodPullIsPassedOnAndItsCredentialsKept() throws Exception {
        assertEquals("sha256:feed", cri().pullImage(pull("good")).getImageRef());
        assertEquals(List.of("PullImage " + IMAGE), backendSaw);
        assertEquals(new Credential.Basic("alice", "good"), recorded());
    }

    @Test
    void aRefusedPullKeepsContainerdsErrorAndPutsBackTheEarlierCredentials() throws Exception {
        cri().pullImage(pull("good"));
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> cri().pullImage(pull("bad")));
        assertEquals(Status.Code.UNKNOWN, e.getStatus().getCode());
        assertEquals("failed to pull and unpack image \"" + IMAGE + "\": 401 Unauthorized",
                e.getStatus().getDescription());
        assertEquals(new Credential.Basic("alice", "good"), recorded());
    }

    @Test
    void anAuthThatIsNotBase64IsRefusedBeforeContainerdIsAsked() {
        PullImageRequest r = pull("").toBuilder().setAuth(AuthConfig.newBuilder().setAuth("%%%")).build();
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> cri().pullImage(r));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertEquals(List.of(), backendSaw);
    }

    @Test
    void otherCallsArePassedOnUnchangedAndRemoveImageForgetsTheCredentials() throws Exception {
        cri().pullImage(pull("good"));
        ImageStatusResponse status = cri().imageStatus(ImageStatusRequest.newBuilder()
                .setImage(ImageSpec.newBuilder().setImage(IMAGE)).build());
        assertEquals("sha256:feed", status.getImage().getId());
        assertEquals(42, status.getImage().getSize());
        cri().removeImage(RemoveImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(IMAGE)).build());
        assertEquals(List.of("PullImage " + IMAGE, "ImageStatus " + IMAGE, "RemoveImage " + IMAGE), backendSaw);
        assertEquals(Credential.ANONYMOUS, recorded());
    }

    @Test
    void theReferencesV1alpha2ServiceIsServedToo() throws Exception {
        MethodDescriptor<PullImageRequest, PullImageResponse> v1alpha2 = ImageServiceGrpc.getPullImageMethod()
                .toBuilder(ProtoUtils.marshaller(PullImageRequest.getDefaultInstance()),
                        ProtoUtils.marshaller(PullImageResponse.getDefaultInstance()))
                .setFullMethodName("runtime.v1alpha2.ImageService/PullImage").build();
        PullImageResponse r = ClientCalls.blockingUnaryCall(channel, v1alpha2,
                CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS), pull("good"));
        assertEquals("sha256:feed", r.getImageRef());
        assertEquals(new Credential.Basic("alice", "good"), recorded());
    }
}
