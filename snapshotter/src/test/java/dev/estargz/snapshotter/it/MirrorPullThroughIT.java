package dev.estargz.snapshotter.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.estargz.registry.RegistryClient;
import dev.estargz.testkit.FaultProxy;
import dev.estargz.testkit.FaultProxy.Fault;
import dev.estargz.testkit.RegistryProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.function.Predicate;
import okhttp3.HttpUrl;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * {@code [[resolver.host."origin".mirrors]]} against a real pull-through cache: an origin docker-registry holding
 * a {@link LazyImage}, a second docker-registry with {@code proxy.remoteurl} pointing at it, each behind a
 * {@link FaultProxy} that records what it is asked and can break the mirror's answers. containerd (through
 * {@code ctr-remote}) talks to the origin only; our daemon's range reads are told apart by their User-Agent.
 * The chunk cache is in memory and the daemon is restarted before each failure, so each one reads from a
 * registry again (layers come back from their saved TOCs).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MirrorPullThroughIT {
    private static final String DAEMON_AGENT = "estargz-snapshotter";

    StargzStack stack;
    RegistryProcess origin;
    RegistryProcess cache;
    FaultProxy originFront;
    FaultProxy mirrorFront;
    LazyImage image;
    String ref;
    DaemonProcess daemon;
    ContainerdWithStargz containerd;
    int runs;

    @BeforeAll
    void start() throws IOException {
        stack = StargzStack.create("esz-mirror-");
        origin = RegistryProcess.startPlain();
        try (RegistryClient client = RegistryClient.create(origin.clientConfig().build())) {
            image = LazyImage.push(client, origin.ref("lazy/app:1"),
                    Files.createDirectories(stack.dir.resolve("img")));
        }
        // the cache fetches from the origin itself, not through the front: the front sees clients only
        cache = RegistryProcess.start(RegistryProcess.Options.plain().withPullThrough("http://" + origin.host()));
        originFront = new FaultProxy(HttpUrl.get("http://" + origin.host() + "/"));
        mirrorFront = new FaultProxy(HttpUrl.get("http://" + cache.host() + "/"));
        ref = originFront.host() + "/lazy/app:1";
        stack.writeConfig(
                "no_background_fetch = true",
                "filesystem_cache_type = \"memory\"",
                "[blob]",
                "fetching_timeout_sec = 30",
                "max_retries = 2",
                "min_wait_msec = 20",
                "max_wait_msec = 100",
                "[fuse_manager]",
                "enable = false",
                "[[resolver.host.\"" + originFront.host() + "\".mirrors]]",
                "host = \"" + mirrorFront.host() + "\"",
                "insecure = true");
        daemon = stack.startDaemon();
        containerd = stack.startContainerd(null);
        containerd.awaitStargz();
    }

    @AfterAll
    void stop() throws IOException {
        if (stack != null) {
            stack.close();
        }
        for (AutoCloseable c : new AutoCloseable[] {originFront, mirrorFront, cache, origin}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                // best effort: the next one still gets closed
            }
        }
    }

    @Test
    @Order(1)
    void rangeReadsOfLazilyPulledLayersGoThroughTheMirror() throws Exception {
        containerd.ctr("images", "rpull", "--plain-http", "--snapshotter", "stargz", ref);
        String out = run("sh", "-c", LazyImage.PROBE);
        assertTrue(out.contains("b1\nc2\nnew\n") && out.contains("estargz-lazy"), out);

        assertEquals(List.of(), daemonBlobReads(originFront), "the origin served a range read\n" + daemon.log());
        List<RecordedRequest> viaMirror = daemonBlobReads(mirrorFront);
        for (String digest : layerDigests()) {
            assertTrue(viaMirror.stream().anyMatch(r -> r.getPath().endsWith(digest)),
                    "layer " + digest + " was not read through the mirror: " + describe(viaMirror));
        }
        report("through the mirror");
    }

    @Test
    @Order(2)
    void mirrorAnsweringForAnotherBlobIsRefusedAndTheOriginServesTheRightBytes() throws Exception {
        bigFileComesFromTheOriginWhenTheMirror(new Fault.OtherBlob(layerDigests().get(1)), "answers for another blob");
    }

    @Test
    @Order(3)
    void mirrorAnsweringWithAWrongContentRangeIsRefusedAndTheOriginServesTheRightBytes() throws Exception {
        bigFileComesFromTheOriginWhenTheMirror(new Fault.ShiftContentRange(1), "shifts Content-Range");
    }

    /** With {@code fault} on the mirror's answers for the big file's layer, the origin serves it, right. */
    private void bigFileComesFromTheOriginWhenTheMirror(Fault fault, String scenario) throws IOException {
        restartDaemon();
        String big = layerDigests().get(0);
        mirrorFront.inject(blobRead(big), fault, 10_000);
        assertBigFileIsRight();
        assertTrue(daemonBlobReads(originFront).stream().anyMatch(r -> r.getPath().endsWith(big)),
                "the origin was not asked for " + big + "\n" + daemon.log());
        report("mirror " + scenario);
    }

    @Test
    @Order(4)
    void mirrorServingCorruptBytesUnderRightHeadersIsAnErrorNeverWrongBytes() throws Exception {
        restartDaemon();
        String big = layerDigests().get(0);
        mirrorFront.inject(blobRead(big), new Fault.CorruptBody(), 10_000);
        // as in the reference a chunk failing its digest is EIO, not a fallback: the mirror did answer
        Run r = containerd.ctrRaw("run", "--snapshotter", "stargz", "--rm", ref, "mirror-" + runs++, "busybox",
                "sha256sum", "/data/big");
        assertTrue(r.exit() != 0 && r.output().contains("input/output error"), r.output());
        assertTrue(daemon.log().contains("failed verification twice"), daemon.log());
        report("mirror corrupts bytes");
    }

    @Test
    @Order(5)
    void mirrorDownFallsBackToTheOrigin() throws Exception {
        restartDaemon();
        cache.close();
        mirrorFront.close();
        long start = System.nanoTime();
        assertBigFileIsRight();
        System.out.printf("mirror down: the container ran in %d ms%n", (System.nanoTime() - start) / 1_000_000);
        String big = layerDigests().get(0);
        assertTrue(daemonBlobReads(originFront).stream().anyMatch(r -> r.getPath().endsWith(big)),
                "the origin was not asked for " + big + "\n" + daemon.log());
        report("mirror down");
    }

    /** Reads the never-read 4 MiB file in a container: its checksum is the one it was made with. */
    private void assertBigFileIsRight() throws IOException {
        String sum = run("busybox", "sha256sum", "/data/big");
        assertTrue(sum.startsWith(image.bigSha256 + " "), sum + "\n" + daemon.log());
    }

    private String run(String... command) throws IOException {
        List<String> argv = new java.util.ArrayList<>(List.of("run", "--snapshotter", "stargz", "--rm", ref,
                "mirror-" + runs++));
        argv.addAll(List.of(command));
        return containerd.ctr(argv.toArray(String[]::new)).output();
    }

    /** A new daemon with an empty chunk cache and both fronts' records and faults cleared. */
    private void restartDaemon() throws IOException {
        daemon.kill9();
        daemon = stack.startDaemon();
        containerd.awaitStargz();
        Run.retry(() -> containerd.ctrRaw("snapshots", "--snapshotter", "stargz", "ls"));
        originFront.reset();
        mirrorFront.reset();
    }

    private List<String> layerDigests() {
        return image.pushed.manifest().layers().stream().map(d -> d.digest().toString()).toList();
    }

    private static Predicate<RecordedRequest> blobRead(String digest) {
        return r -> FaultProxy.blobGet().test(r) && r.getPath().endsWith(digest);
    }

    /** Our daemon's GETs of the image's layer blobs at {@code front}. */
    private List<RecordedRequest> daemonBlobReads(FaultProxy front) {
        List<String> layers = layerDigests();
        return front.requests().stream().filter(FaultProxy.blobGet())
                .filter(r -> DAEMON_AGENT.equals(r.getHeader("User-Agent")))
                .filter(r -> layers.stream().anyMatch(d -> r.getPath().endsWith(d))).toList();
    }

    private static String describe(List<RecordedRequest> requests) {
        return requests.stream().map(r -> r.getPath() + " " + r.getHeader("Range")).toList().toString();
    }

    /** What each front was asked by our daemon, for the run's log. */
    private void report(String scenario) {
        System.out.printf("%s: origin got %d layer GETs from the daemon %s, the mirror %d %s%n", scenario,
                daemonBlobReads(originFront).size(), describe(daemonBlobReads(originFront)),
                daemonBlobReads(mirrorFront).size(), describe(daemonBlobReads(mirrorFront)));
    }
}
