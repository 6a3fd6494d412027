package dev.estargz.fusefs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.estargz.format.writer.ConvertOptions;
import dev.estargz.format.writer.ConvertResult;
import dev.estargz.format.writer.EStargzConverter;
import dev.estargz.fusefs.cache.CacheOptions;
import dev.estargz.fusefs.cache.ChunkCache;
import dev.estargz.fusefs.fetch.FetchOptions;
import dev.estargz.fusefs.fs.Errno;
import dev.estargz.fusefs.fs.FsException;
import dev.estargz.fusefs.fs.LayerFileSystem;
import dev.estargz.fusefs.mount.FsOptions;
import dev.estargz.fusefs.mount.LayerMounter;
import dev.estargz.fusefs.mount.LayerSource;
import dev.estargz.fusefs.mount.OpenedLayer;
import dev.estargz.fusefs.testing.TestLayer;
import dev.estargz.registry.Digest;
import dev.estargz.registry.FileBlobSource;
import dev.estargz.registry.RegistryClient;
import dev.estargz.registry.auth.Credential;
import dev.estargz.registry.blob.RegistryBlobSource;
import dev.estargz.registry.manifest.Descriptor;
import dev.estargz.registry.reference.ImageReference;
import dev.estargz.testkit.FaultProxy;
import dev.estargz.testkit.FaultProxy.Fault;
import dev.estargz.testkit.RegistryProcess;
import dev.estargz.testkit.TestCertificates;
import dev.estargz.testkit.TokenServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import okhttp3.Headers;
import okhttp3.HttpUrl;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Random reads through the chunk-fetch path of an opened layer (in process: the kernel mount adds nothing here)
 * while an HTTP fault proxy between it and a real registry breaks the blob's range reads, one fault kind at a
 * time: per kind {@value #READS} reads while the fault is on and {@value #READS_AFTER} after it stops, each compared
 * with the file's bytes and timed. Wrong bytes: none. Reads waiting past {@code fetching_timeout} (plus
 * {@link #MARGIN}): none. Reads after the fault stops: all succeed. The counts are printed as a table
 * (bench/README.md, "Registry faults").
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class RegistryFaultReadsTest {
    static final int READS = 1000;
    static final int READS_AFTER = 500;
    /** Readers while the fault is on: many, so that reads the fault holds to the timeout do not queue up. */
    private static final int READERS = 128;
    /** Readers after it: few, so that the reads measure the fault's after-effects, not an overloaded machine. */
    private static final int READERS_AFTER = 8;
    private static final int CHUNK = 8 * 1024;
    private static final Duration FETCH_TIMEOUT = Duration.ofMillis(500);
    /** Scheduling slack on a loaded 2-core machine; a read held by a stalled request would take seconds. */
    private static final Duration MARGIN = Duration.ofMillis(300);
    /** The client's bound on one request with its retries: what a request started during the fault may still take. */
    private static final Duration REQUEST_TIMEOUT = Duration.ofMillis(800);
    /** The client gives up on a request whose body stops for this long (the proxy's stall is 3 s). */
    private static final Duration STALL_TIMEOUT = Duration.ofMillis(600);
    private static final String REPO = "faults/reads";

    @TempDir
    static Path tmp;
    private static final Map<String, byte[]> FILES = new java.util.TreeMap<>();
    private static final List<Counts> RESULTS = new java.util.concurrent.CopyOnWriteArrayList<>();
    private static Digest blobDigest;
    private static Digest tocDigest;
    private static long blobSize;
    private static RegistryProcess plain;
    private static FaultProxy front;
    private static FaultProxy cdn;
    private static RegistryClient client;
    private static TokenServer tokens;
    private static RegistryProcess withTokens;
    private static FaultProxy tokenFront;
    private static RegistryClient tokenClient;

    /** A registry fault, on from {@link #start} to {@link #stop}. */
    enum Kind {
        RESET_MID_BODY, STALL, BURSTS_OF_5XX, EXPIRED_TOKEN, SHORT_BODY, CORRUPT_BYTES, WRONG_CONTENT_RANGE,
        EXPIRING_REDIRECT
    }

    /** What the reads of one fault kind came to; "late" is a read that took longer than the timeout and margin. */
    record Counts(Kind kind, int on, int wrongOn, int lateOn, int eioOn, int okOn, int off, int wrongOff,
            int lateOff, int okOff, long slowestMs) {
    }

    @BeforeAll
    static void start() throws IOException {
        Path tree = Files.createDirectories(tmp.resolve("tree"));
        Random r = new Random(12);
        for (int i = 0; i < 40; i++) {
            byte[] b = new byte[1 + r.nextInt(200 * 1024)];
            r.nextBytes(b);
            String name = String.format("d%d/f%02d", i % 4, i);
            Files.createDirectories(tree.resolve(name).getParent());
            Files.write(tree.resolve(name), b);
            FILES.put(name, b);
        }
        Path blob = tmp.resolve("layer.esgz");
        ConvertResult converted = new EStargzConverter().convert(TestLayer.tar(tree, tmp.resolve("layer.tar")), blob,
                ConvertOptions.defaults().withChunkSize(CHUNK).withCompressionLevel(1));
        blobDigest = converted.blobDigest();
        tocDigest = converted.tocDigest();
        blobSize = Files.size(blob);

        plain = RegistryProcess.startPlain();
        HttpUrl plainUrl = HttpUrl.get("http://" + plain.host() + "/");
        front = new FaultProxy(plainUrl);
        cdn = new FaultProxy(plainUrl);
        client = RegistryClient.create(shortTimeouts(plain.clientConfig()).build());
        push(client, plain.ref(REPO + ":latest"), blob);

        TestCertificates certs = TestCertificates.create(Files.createDirectories(tmp.resolve("certs")));
        tokens = new TokenServer(certs, Map.of("reader", "pw"), Map.of(), false);
        withTokens = RegistryProcess.start(RegistryProcess.Options.plain().withToken(certs, tokens));
        tokenFront = new FaultProxy(HttpUrl.get("http://" + withTokens.host() + "/"));
        tokenClient = RegistryClient.create(shortTimeouts(withTokens.clientConfig())
                .credentials(ref -> new Credential.Basic("reader", "pw")).build());
        push(tokenClient, withTokens.ref(REPO + ":latest"), blob);
    }

    private static dev.estargz.registry.RegistryConfig.Builder shortTimeouts(
            dev.estargz.registry.RegistryConfig.Builder b) {
        return b.requestTimeout(REQUEST_TIMEOUT).stallTimeout(STALL_TIMEOUT).maxRetries(1)
                .backoff(Duration.ofMillis(5), Duration.ofMillis(20));
    }

    private static void push(RegistryClient c, ImageReference ref, Path blob) throws IOException {
        try (FileBlobSource content = FileBlobSource.open(blob)) {
            c.pushBlob(ref, blobDigest, content, null);
        }
    }

    @AfterAll
    static void stop() throws IOException {
        printTable();
        for (AutoCloseable c : new AutoCloseable[] {client, tokenClient, front, cdn, tokenFront, plain, withTokens,
                tokens}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                System.err.println("cleanup: " + e);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void readsGiveTheRightBytesOrEioWithinTheTimeoutAndAllSucceedOnceTheFaultStops(Kind kind) throws Exception {
        boolean token = kind == Kind.EXPIRED_TOKEN;
        FaultProxy proxy = token ? tokenFront : front;
        front.reset();
        cdn.reset();
        tokenFront.reset();
        AtomicBoolean on = new AtomicBoolean();
        Predicate<RecordedRequest> during = r -> FaultProxy.blobGet().test(r) && on.get();
        if (kind == Kind.EXPIRING_REDIRECT) {
            // a registry whose blobs are served by a CDN: every blob GET is redirected there, always
            front.inject(FaultProxy.blobGet(), new Fault.RedirectTo(HttpUrl.get("http://localhost:" + cdn.port()
                    + "/"), 307), Integer.MAX_VALUE);
        }
        RegistryClient c = token ? tokenClient : client;
        ImageReference ref = ImageReference.parse(proxy.host() + "/" + REPO + ":latest");
        LayerMounter mounter = new LayerMounter(ChunkCache.open(CacheOptions.onDisk(tmp.resolve("cache-" + kind))),
                FsOptions.defaults().withNoPrefetch(true).withNoBackgroundFetch(true)
                        .withFetch(new FetchOptions(FETCH_TIMEOUT, FetchOptions.defaults().window(),
                                FetchOptions.defaults().mergeGap(), 16)));
        try (RegistryBlobSource blob = c.openBlob(ref, new Descriptor("application/vnd.oci.image.layer.v1.tar+gzip",
                blobDigest, blobSize));
                OpenedLayer layer = mounter.open(new LayerSource(blob, blobDigest, tocDigest))) {
            switch (kind) {
                case RESET_MID_BODY -> proxy.inject(during, new Fault.ResetMidBody(), Integer.MAX_VALUE);
                case STALL -> proxy.inject(during, new Fault.Stall(), Integer.MAX_VALUE);
                // 250 ms of 503s, 250 ms of answers, and again: longer than the client's retries ride out
                case BURSTS_OF_5XX -> proxy.inject(during.and(r -> System.nanoTime() / 250_000_000L % 2 == 0),
                        new Fault.Status(503, Headers.of()), Integer.MAX_VALUE);
                case EXPIRED_TOKEN -> {
                    // the registry rejects the token the client holds; the ones it gets instead have expired too
                    tokens.issueExpiredTokens(Integer.MAX_VALUE);
                    proxy.inject(during, new Fault.Status(401, Headers.of("WWW-Authenticate", "Bearer realm=\""
                            + tokens.realm() + "\",service=\"" + TokenServer.SERVICE + "\",scope=\"repository:"
                            + REPO + ":pull\",error=\"invalid_token\"")), 1);
                }
                case SHORT_BODY -> proxy.inject(during, new Fault.ShortBody(), Integer.MAX_VALUE);
                case CORRUPT_BYTES -> proxy.inject(during, new Fault.CorruptBody(), Integer.MAX_VALUE);
                case WRONG_CONTENT_RANGE -> proxy.inject(during, new Fault.ShiftContentRange(1), Integer.MAX_VALUE);
                case EXPIRING_REDIRECT -> cdn.inject(during, new Fault.Status(403, Headers.of()), Integer.MAX_VALUE);
            }
            on.set(true);
            Phase faulty = readAtRandom(layer.fileSystem(), new Random(kind.ordinal()), READS, READERS);
            on.set(false);
            tokens.issueExpiredTokens(0);
            // A request sent while the fault was on ends within the client's request timeout, and the reads that
            // joined it share its fate; reads after that must all succeed.
            Thread.sleep(REQUEST_TIMEOUT.toMillis());
            Phase after = readAtRandom(layer.fileSystem(), new Random(100 + kind.ordinal()), READS_AFTER,
                    READERS_AFTER);
            Counts counts = new Counts(kind, READS, faulty.wrong.get(), faulty.late.get(), faulty.eio.get(),
                    faulty.ok.get(), READS_AFTER, after.wrong.get(), after.late.get(), after.ok.get(),
                    Math.max(faulty.slowestNanos.get(), after.slowestNanos.get()) / 1_000_000);
            RESULTS.add(counts);
            System.out.println(counts);
            assertEquals(0, faulty.wrong.get() + after.wrong.get(), "wrong bytes: " + counts);
            assertEquals(0, faulty.late.get() + after.late.get(), "reads past the fetch timeout: " + counts);
            assertEquals(List.of(), faulty.other, "only EIO while the fault is on");
            assertEquals(List.of(), after.other, "no error but EIO after it");
            assertTrue(faulty.eio.get() > 0, "the fault was felt: " + counts);
            assertEquals(READS_AFTER, after.ok.get(), "every read after the fault stops succeeds: " + counts
                    + ", first error " + after.firstEio.get());
        }
    }

    /** The outcome of a phase's reads. */
    private static final class Phase {
        final AtomicInteger ok = new AtomicInteger();
        final AtomicInteger wrong = new AtomicInteger();
        final AtomicInteger eio = new AtomicInteger();
        final AtomicInteger late = new AtomicInteger();
        final AtomicLong slowestNanos = new AtomicLong();
        final java.util.concurrent.atomic.AtomicReference<String> firstEio = new java.util.concurrent.atomic.AtomicReference<>();
        final List<String> other = new java.util.concurrent.CopyOnWriteArrayList<>();
    }

    /** {@code reads} reads of random files at random offsets and lengths, by {@code threads} threads. */
    private static Phase readAtRandom(LayerFileSystem fs, Random random, int reads, int threads) throws Exception {
        List<String> names = new ArrayList<>(FILES.keySet());
        Map<String, Integer> nodes = new ConcurrentHashMap<>();
        for (String n : names) {
            nodes.put(n, fs.resolve("/" + n));
        }
        Phase p = new Phase();
        long lateNanos = FETCH_TIMEOUT.plus(MARGIN).toNanos();
        ExecutorService readers = Executors.newFixedThreadPool(threads, run -> new Thread(run, "fault-reader"));
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < reads; i++) {
                String name = names.get(random.nextInt(names.size()));
                byte[] want = FILES.get(name);
                long offset = random.nextInt(want.length);
                int length = 1 + random.nextInt(4 * CHUNK);
                done.add(readers.submit(() -> {
                    byte[] got = new byte[length];
                    long t0 = System.nanoTime();
                    try {
                        int n = fs.read(nodes.get(name), offset, length, (at, src, from, len)
                                -> System.arraycopy(src, from, got, (int) at, len));
                        int expect = (int) Math.min(length, want.length - offset);
                        if (n == expect && Arrays.equals(got, 0, n, want, (int) offset, (int) offset + n)) {
                            p.ok.incrementAndGet();
                        } else {
                            p.wrong.incrementAndGet();
                        }
                    } catch (FsException e) {
                        if (e.errno() == Errno.EIO) {
                            p.eio.incrementAndGet();
                            p.firstEio.compareAndSet(null, e.getMessage());
                        } else {
                            p.other.add(e.errno() + ": " + e.getMessage());
                        }
                    } finally {
                        long took = System.nanoTime() - t0;
                        p.slowestNanos.accumulateAndGet(took, Math::max);
                        if (took > lateNanos) {
                            p.late.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            readers.shutdownNow();
        }
        return p;
    }

    private static void printTable() {
        StringBuilder sb = new StringBuilder("\nRegistry faults: ").append(READS).append(" random reads with the fault on, ")
                .append(READS_AFTER).append(" after it stops; fetch timeout ").append(FETCH_TIMEOUT.toMillis())
                .append(" ms (late = over ").append(FETCH_TIMEOUT.plus(MARGIN).toMillis()).append(" ms)\n");
        sb.append(String.format("| %-19s | %5s | %4s | %4s | %5s | %5s | %9s | %9s | %8s |%n", "fault", "wrong",
                "late", "EIO", "ok on", "ok after", "wrong aft", "late aft", "slowest"));
        for (Counts c : RESULTS) {
            sb.append(String.format("| %-19s | %5d | %4d | %4d | %5d | %5d | %9d | %9d | %5d ms |%n",
                    c.kind().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' '), c.wrongOn(), c.lateOn(),
                    c.eioOn(), c.okOn(), c.okOff(), c.wrongOff(), c.lateOff(), c.slowestMs()));
        }
        System.out.println(sb);
    }
}
