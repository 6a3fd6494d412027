package dev.estargz.bench.link;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Runs a {@link SlowLink} on its own, for harnesses driven from the shell (containerd, ctr-remote, FUSE mounts):
 * {@code SlowLinkMain TARGET_HOST:PORT RTT_MS MBIT [MAX_SECONDS]} prints {@code 127.0.0.1:PORT} on one line, then
 * relays until it is stopped (SIGTERM / SIGINT) or MAX_SECONDS (default 3600) pass, so a forgotten link never
 * outlives its run by much.
 */
public final class SlowLinkMain {
    private SlowLinkMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 3 || args.length > 4) {
            System.err.println("usage: SlowLinkMain TARGET_HOST:PORT RTT_MS MBIT [MAX_SECONDS]");
            System.exit(2);
        }
        Duration rtt = Duration.ofMillis(Long.parseLong(args[1]));
        long bytesPerSec = (long) (Double.parseDouble(args[2]) * 1e6 / 8);
        long maxSeconds = args.length == 4 ? Long.parseLong(args[3]) : 3600;
        CountDownLatch stop = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stop.countDown();
            try {
                done.await(2, TimeUnit.SECONDS); // let main close the link and print its counters
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "slowlink-main-shutdown"));
        try (SlowLink link = SlowLink.start(args[0], rtt, bytesPerSec)) {
            System.out.println(link.host());
            System.out.flush();
            stop.await(maxSeconds, TimeUnit.SECONDS);
            LinkStats s = link.stats();
            System.err.printf("slowlink: %d connections, %d bytes up, %d bytes down%n", s.connections(), s.bytesUp(),
                    s.bytesDown());
        } finally {
            done.countDown();
        }
    }
}
