package dev.estargz.bench.registry;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

import dev.estargz.bench.link.LinkProfile;
import dev.estargz.bench.link.LinkStats;
import dev.estargz.bench.link.SlowLink;
import dev.estargz.registry.ByteRange;
import dev.estargz.registry.RegistryClient;
import dev.estargz.registry.RegistryConfig;
import dev.estargz.registry.blob.RegistryBlobSource;
import dev.estargz.registry.manifest.Descriptor;
import dev.estargz.registry.manifest.Platform;
import dev.estargz.registry.reference.ImageReference;
import dev.estargz.testkit.RegistryProcess;
import dev.estargz.testkit.TestImage;

/**
 * Registry reads through a simulated slow link ({@link SlowLink}) to a real docker-registry, against {@code curl}
 * on the same link in the same run: 4 KiB ranged-read latency on a new and on a reused connection (in round trips
 * of the link) and whole-blob throughput (as a fraction of the link's bandwidth).
 *
 * <p>A plain harness rather than JMH: every sample is dominated by simulated network time, the baseline is an
 * external process, and the figures wanted are medians in round trips, not operations per second. JIT warm-up is
 * paid by unmeasured rounds first. Usage: {@code RegistryLinkBench [rtt-ms=20] [mbit=100] [blob-mib=64]
 * [cold=20] [warm=40] [downloads=3]}.
 */
public final class RegistryLinkBench {
    private static final int RANGE = 4096;
    private static final int WARM_ROUNDS = 4;
    private static final int WARM_UP_READS = 500;

    /** What to run. */
    record Settings(Duration rtt, long bytesPerSec, int blobMiB, int cold, int warm, int downloads) {
        static Settings parse(String[] args) {
            long rttMs = 20;
            double mbit = 100;
            int blobMiB = 64;
            int cold = 20;
            int warm = 40;
            int downloads = 3;
            for (String a : args) {
                String[] kv = a.split("=", 2);
                if (kv.length != 2) {
                    throw new IllegalArgumentException("arguments are key=value, got " + a);
                }
                switch (kv[0]) {
                    case "rtt-ms" -> rttMs = Long.parseLong(kv[1]);
                    case "mbit" -> mbit = Double.parseDouble(kv[1]);
                    case "blob-mib" -> blobMiB = Integer.parseInt(kv[1]);
                    case "cold" -> cold = Integer.parseInt(kv[1]);
                    case "warm" -> warm = Integer.parseInt(kv[1]);
                    case "downloads" -> downloads = Integer.parseInt(kv[1]);
                    default -> throw new IllegalArgumentException("unknown argument " + kv[0]);
                }
            }
            return new Settings(Duration.ofMillis(rttMs), (long) (mbit * 1e6 / 8), blobMiB, cold, warm, downloads);
        }
    }

    private final Settings settings;
    private final SlowLink link;
    private final ImageReference repo;
    private final Descriptor blob;
    private final byte[] content;
    private final CurlBaseline curl;
    private final ImageReference directRepo;
    private final CurlBaseline directCurl;
    private final ImageReference zeroRepo;
    private final CurlBaseline zeroCurl;

    private RegistryLinkBench(Settings settings, SlowLink link, SlowLink zeroLink, String registryHost, Descriptor blob,
                              byte[] content) {
        this.settings = settings;
        this.link = link;
        this.repo = ImageReference.parse(link.host() + "/bench/blob:latest");
        this.blob = blob;
        this.content = content;
        this.curl = new CurlBaseline("http://" + link.host() + "/v2/bench/blob/blobs/" + blob.digest());
        this.directRepo = ImageReference.parse(registryHost + "/bench/blob:latest");
        this.directCurl = new CurlBaseline("http://" + registryHost + "/v2/bench/blob/blobs/" + blob.digest());
        this.zeroRepo = ImageReference.parse(zeroLink.host() + "/bench/blob:latest");
        this.zeroCurl = new CurlBaseline("http://" + zeroLink.host() + "/v2/bench/blob/blobs/" + blob.digest());
    }

    public static void main(String[] args) throws Exception {
        Settings s = Settings.parse(args);
        System.out.printf(Locale.ROOT, "link: RTT %d ms, %.1f Mbit/s each way (shared), blob %d MiB; %d cores, "
                        + "load %s%n", s.rtt().toMillis(), s.bytesPerSec() * 8 / 1e6, s.blobMiB(),
                Runtime.getRuntime().availableProcessors(), loadAverage());
        byte[] content = new byte[s.blobMiB() << 20];
        new Random(1).nextBytes(content);
        try (RegistryProcess registry = RegistryProcess.startPlain()) {
            TestImage image;
            try (RegistryClient direct = RegistryClient.create(registry.clientConfig().build())) {
                image = TestImage.push(direct, registry.ref("bench/blob:latest"), new Platform("linux", "amd64", null),
                        List.of(TestImage.Layer.opaque(content)));
            }
            // A second proxy without delay or cap measures what the proxy itself costs per round trip.
            LinkProfile none = LinkProfile.of(Duration.ZERO, 0).withHandshake(false);
            try (SlowLink link = SlowLink.start(registry.host(), s.rtt(), s.bytesPerSec());
                 SlowLink zeroLink = SlowLink.start(new InetSocketAddress("127.0.0.1", registry.port()), none)) {
                new RegistryLinkBench(s, link, zeroLink, registry.host(), image.manifest().layers().get(0), content).run();
            }
        }
        System.out.printf(Locale.ROOT, "load after: %s%n", loadAverage());
    }

    private void run() throws IOException {
        Random random = new Random(2);
        List<ByteRange> ranges = new ArrayList<>();
        int blocks = content.length / RANGE;
        for (int i = 0; i < Math.max(settings.cold(), settings.warm()) + 1; i++) {
            ranges.add(new ByteRange((long) random.nextInt(blocks) * RANGE, RANGE));
        }
        // Unmeasured warm-up: class loading and JIT of both paths (reads straight to the registry are quick).
        for (int i = 0; i < 3; i++) {
            ourColdRead(ranges.get(i));
        }
        try (RegistryClient client = RegistryClient.create(RegistryConfig.builder().build());
             RegistryBlobSource src = client.openBlob(directRepo, blob)) {
            for (int i = 0; i < WARM_UP_READS; i++) {
                src.read(ranges.get(i % ranges.size()));
            }
        }
        curl.coldRange(ranges.get(0));

        List<Long> ourCold = new ArrayList<>();
        List<Long> curlCold = new ArrayList<>();
        LinkStats ourColdWire = new LinkStats(0, 0, 0);
        LinkStats curlColdWire = new LinkStats(0, 0, 0);
        for (int i = 0; i < settings.cold(); i++) {
            LinkStats before = link.stats();
            ourCold.add(ourColdRead(ranges.get(i)));
            LinkStats mid = link.stats();
            CurlBaseline.Transfer t = curl.coldRange(ranges.get(i));
            check(t, 206, RANGE);
            curlCold.add(t.nanos());
            ourColdWire = plus(ourColdWire, mid.minus(before));
            curlColdWire = plus(curlColdWire, link.stats().minus(mid));
        }

        WarmReads viaLink = warmReads(repo, curl, ranges);
        // The same reads straight to the registry: what the server and both clients cost without the link.
        WarmReads direct = warmReads(directRepo, directCurl, ranges);
        WarmReads zero = warmReads(zeroRepo, zeroCurl, ranges);

        List<Long> ourWhole = new ArrayList<>();
        List<Long> curlWhole = new ArrayList<>();
        for (int i = 0; i < settings.downloads(); i++) {
            ourWhole.add(ourDownload());
            CurlBaseline.Transfer t = curl.whole();
            check(t, 200, content.length);
            curlWhole.add(t.nanos());
        }

        report("4 KiB range, new connection", new Samples(ourCold), new Samples(curlCold));
        wire("  per read on the wire", ourColdWire, curlColdWire, settings.cold(), settings.cold());
        report("4 KiB range, reused connection", viaLink.ours(), viaLink.curl());
        // curl's count includes its connection-opening read in each round, which cannot be told apart on the link.
        wire("  per read on the wire", viaLink.ourWire(), viaLink.curlWire(), settings.warm(),
                settings.warm() + WARM_ROUNDS);
        System.out.printf(Locale.ROOT, "  new connections during warm reads: ours %d, curl %d%n",
                viaLink.ourWire().connections(), viaLink.curlReconnects());
        System.out.printf(Locale.ROOT, "  same reads straight to the registry: ours median %5.2f ms, curl median %5.2f ms"
                + " (server + client)%n", direct.ours().medianMillis(), direct.curl().medianMillis());
        System.out.printf(Locale.ROOT, "  same reads through a zero-delay proxy: ours median %5.2f ms, curl median %5.2f ms"
                + " (server + client + proxy)%n", zero.ours().medianMillis(), zero.curl().medianMillis());
        double rtt = settings.rtt().toNanos() / 1e6;
        System.out.printf(Locale.ROOT, "  round trips the link adds, (via link - zero-delay proxy) / RTT: ours %4.2f, "
                        + "curl %4.2f%n", (viaLink.ours().medianMillis() - zero.ours().medianMillis()) / rtt,
                (viaLink.curl().medianMillis() - zero.curl().medianMillis()) / rtt);
        throughput(new Samples(ourWhole), new Samples(curlWhole));
    }

    /** Reads on one reused connection, ours and curl's, with the bytes each moved over the link. */
    private record WarmReads(Samples ours, Samples curl, LinkStats ourWire, LinkStats curlWire, int curlReconnects) {
    }

    private WarmReads warmReads(ImageReference from, CurlBaseline baseline, List<ByteRange> ranges)
            throws IOException {
        List<Long> ours = new ArrayList<>();
        List<Long> curlTimes = new ArrayList<>();
        LinkStats ourWire = new LinkStats(0, 0, 0);
        LinkStats curlWire = new LinkStats(0, 0, 0);
        int reconnects = 0;
        ByteRange opener = ranges.get(ranges.size() - 1);
        try (RegistryClient client = RegistryClient.create(RegistryConfig.builder().build());
             RegistryBlobSource src = client.openBlob(from, blob)) {
            checkBytes(src.read(opener), opener); // opens the connection
            // Rounds alternate between the two clients, so a burst of load from elsewhere hits both alike.
            int perRound = Math.max(1, settings.warm() / WARM_ROUNDS);
            for (int start = 0; start < settings.warm(); start += perRound) {
                List<ByteRange> round = ranges.subList(start, Math.min(settings.warm(), start + perRound));
                LinkStats before = link.stats();
                for (ByteRange r : round) {
                    long t0 = System.nanoTime();
                    byte[] got = src.read(r);
                    ours.add(System.nanoTime() - t0);
                    checkBytes(got, r);
                }
                LinkStats mid = link.stats();
                List<ByteRange> curlRanges = new ArrayList<>();
                curlRanges.add(opener);
                curlRanges.addAll(round);
                List<CurlBaseline.Transfer> transfers = baseline.rangesOnOneConnection(curlRanges);
                for (CurlBaseline.Transfer t : transfers.subList(1, transfers.size())) {
                    check(t, 206, RANGE);
                    curlTimes.add(t.nanos());
                    reconnects += t.newConnections();
                }
                ourWire = plus(ourWire, mid.minus(before));
                curlWire = plus(curlWire, link.stats().minus(mid));
            }
        }
        return new WarmReads(new Samples(ours), new Samples(curlTimes), ourWire, curlWire, reconnects);
    }

    private long ourColdRead(ByteRange r) throws IOException {
        // A new client has an empty connection pool: the read pays for the TCP handshake.
        try (RegistryClient client = RegistryClient.create(RegistryConfig.builder().build());
             RegistryBlobSource src = client.openBlob(repo, blob)) {
            long t0 = System.nanoTime();
            byte[] got = src.read(r);
            long t = System.nanoTime() - t0;
            checkBytes(got, r);
            return t;
        }
    }

    private long ourDownload() throws IOException {
        try (RegistryClient client = RegistryClient.create(RegistryConfig.builder().build())) {
            long t0 = System.nanoTime();
            long n = client.streamBlob(repo, blob.digest(), blob.size(), OutputStream.nullOutputStream());
            long t = System.nanoTime() - t0;
            if (n != content.length) {
                throw new IOException("downloaded " + n + " bytes of " + content.length);
            }
            return t;
        }
    }

    private void checkBytes(byte[] got, ByteRange r) throws IOException {
        byte[] want = Arrays.copyOfRange(content, (int) r.offset(), (int) r.end());
        if (!Arrays.equals(got, want)) {
            throw new IOException("wrong bytes for range " + r);
        }
    }

    private static void check(CurlBaseline.Transfer t, int code, long size) throws IOException {
        if (t.httpCode() != code || t.sizeDownload() != size) {
            throw new IOException("curl got HTTP " + t.httpCode() + " with " + t.sizeDownload() + " bytes, expected "
                    + code + " with " + size);
        }
    }

    private static LinkStats plus(LinkStats a, LinkStats b) {
        return new LinkStats(a.connections() + b.connections(), a.bytesUp() + b.bytesUp(), a.bytesDown() + b.bytesDown());
    }

    private void report(String what, Samples ours, Samples curlSamples) {
        double rtt = settings.rtt().toNanos() / 1e6;
        System.out.printf(Locale.ROOT, "%-32s ours median %7.2f ms = %4.2f RTT (min %6.2f) | curl median %7.2f ms = "
                        + "%4.2f RTT (min %6.2f) | ours/curl %4.2f%n", what, ours.medianMillis(),
                ours.medianMillis() / rtt, ours.minMillis(), curlSamples.medianMillis(),
                curlSamples.medianMillis() / rtt, curlSamples.minMillis(),
                ours.medianMillis() / curlSamples.medianMillis());
    }

    private static void wire(String what, LinkStats ours, LinkStats curlStats, int ourReads, int curlReads) {
        System.out.printf(Locale.ROOT, "%-32s ours %d B up, %d B down | curl %d B up, %d B down%n", what,
                ours.bytesUp() / ourReads, ours.bytesDown() / ourReads, curlStats.bytesUp() / curlReads,
                curlStats.bytesDown() / curlReads);
    }

    private void throughput(Samples ours, Samples curlSamples) {
        double link = settings.bytesPerSec();
        double oursBps = content.length / (ours.medianMillis() / 1e3);
        double curlBps = content.length / (curlSamples.medianMillis() / 1e3);
        System.out.printf(Locale.ROOT, "%-32s ours median %7.0f ms = %5.2f MB/s = %5.1f%% of link | curl median "
                        + "%7.0f ms = %5.2f MB/s = %5.1f%% of link | ours/curl %4.2f%n",
                "whole blob (" + settings.blobMiB() + " MiB)", ours.medianMillis(), oursBps / 1e6,
                100 * oursBps / link, curlSamples.medianMillis(), curlBps / 1e6, 100 * curlBps / link,
                oursBps / curlBps);
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).strip();
        } catch (IOException e) {
            return "unknown";
        }
    }
}
