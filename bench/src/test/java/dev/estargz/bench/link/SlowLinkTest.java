package dev.estargz.bench.link;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Random;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The link relays bytes exactly and never faster than its profile allows. Only lower bounds on time are checked:
 * how much slower than configured a busy machine runs is not this test's business (speed goes to the benchmark).
 */
class SlowLinkTest {
    private ServerSocket echo;
    private Thread echoThread;

    @BeforeEach
    void startEchoServer() throws IOException {
        echo = new ServerSocket(0, 8, InetAddress.getByName("127.0.0.1"));
        echoThread = new Thread(() -> {
            while (!echo.isClosed()) {
                try {
                    Socket s = echo.accept();
                    Thread t = new Thread(() -> echoUntilEof(s), "echo-conn");
                    t.setDaemon(true);
                    t.start();
                } catch (IOException closed) {
                    return;
                }
            }
        }, "echo-accept");
        echoThread.setDaemon(true);
        echoThread.start();
    }

    private static void echoUntilEof(Socket s) {
        try (s) {
            s.getInputStream().transferTo(s.getOutputStream());
            s.shutdownOutput();
        } catch (IOException e) {
            // the peer went away
        }
    }

    @AfterEach
    void stopEchoServer() throws Exception {
        echo.close();
        echoThread.join(2_000);
    }

    private InetSocketAddress target() {
        return new InetSocketAddress("127.0.0.1", echo.getLocalPort());
    }

    @Test
    void relaysEveryByteInOrderBothWays() throws Exception {
        byte[] data = new byte[3 << 20];
        new Random(7).nextBytes(data);
        try (SlowLink link = SlowLink.start(target(), LinkProfile.of(Duration.ofMillis(2), 0));
             Socket s = connect(link)) {
            Thread writer = writeThenHalfClose(s, data);
            byte[] back = s.getInputStream().readAllBytes();
            writer.join(30_000);
            assertArrayEquals(data, back);
            LinkStats st = link.stats();
            assertEquals(1, st.connections());
            assertEquals(data.length, st.bytesUp());
            assertEquals(data.length, st.bytesDown());
        }
    }

    @Test
    void transferTakesAtLeastSizeOverBandwidth() throws Exception {
        long bytesPerSec = 4L << 20; // 1 MiB each way at 4 MiB/s: at least 250 ms per direction
        // Up and down pipeline, so the lower bound is one direction's serialisation time, less one burst.
        assertEchoTakesAtLeast(LinkProfile.of(Duration.ZERO, bytesPerSec).withHandshake(false), 1 << 20, bytesPerSec);
    }

    @Test
    void sharedBandwidthIsSplitBetweenConnections() throws Exception {
        int size = 512 << 10;
        long bytesPerSec = 4L << 20; // two connections of 512 KiB share 4 MiB/s: at least 250 ms in all
        byte[] data = new byte[size];
        new Random(9).nextBytes(data);
        LinkProfile p = LinkProfile.of(Duration.ZERO, bytesPerSec).withHandshake(false);
        try (SlowLink link = SlowLink.start(target(), p); Socket a = connect(link); Socket b = connect(link)) {
            long start = System.nanoTime();
            Thread wa = writeThenHalfClose(a, data);
            Thread wb = writeThenHalfClose(b, data);
            byte[][] back = new byte[2][];
            Thread rb = new Thread(() -> back[1] = readAll(b));
            rb.start();
            back[0] = a.getInputStream().readAllBytes();
            rb.join(30_000);
            long elapsed = System.nanoTime() - start;
            wa.join(30_000);
            wb.join(30_000);
            assertArrayEquals(data, back[0]);
            assertArrayEquals(data, back[1]);
            long floor = (long) ((2L * size - 2 * p.burstBytes()) * 1e9 / bytesPerSec);
            assertTrue(elapsed >= floor, "took " + elapsed / 1_000_000 + " ms, less than " + floor / 1_000_000 + " ms");
        }
    }

    @Test
    void perConnectionCapHoldsEvenWhenTheLinkIsUnlimited() throws Exception {
        long perConnection = 2L << 20; // 512 KiB at 2 MiB/s: at least 250 ms
        assertEchoTakesAtLeast(LinkProfile.of(Duration.ZERO, 0).withPerConnection(perConnection, perConnection)
                .withHandshake(false), 512 << 10, perConnection);
    }

    /** Echoes {@code size} random bytes through a link and checks they took at least size / rate, less a burst. */
    private void assertEchoTakesAtLeast(LinkProfile p, int size, long bytesPerSec) throws Exception {
        byte[] data = new byte[size];
        new Random(size).nextBytes(data);
        try (SlowLink link = SlowLink.start(target(), p); Socket s = connect(link)) {
            long start = System.nanoTime();
            Thread writer = writeThenHalfClose(s, data);
            byte[] back = s.getInputStream().readAllBytes();
            long elapsed = System.nanoTime() - start;
            writer.join(30_000);
            assertArrayEquals(data, back);
            long floor = (long) ((size - p.burstBytes()) * 1e9 / bytesPerSec);
            assertTrue(elapsed >= floor, "took " + elapsed / 1_000_000 + " ms, less than " + floor / 1_000_000 + " ms");
        }
    }

    @Test
    void aRequestAndItsAnswerTakeAtLeastOneRoundTripPlusTheHandshake() throws Exception {
        Duration rtt = Duration.ofMillis(80);
        try (SlowLink link = SlowLink.start(target(), LinkProfile.of(rtt, 0))) {
            long start = System.nanoTime();
            try (Socket s = connect(link)) {
                OutputStream out = s.getOutputStream();
                DataInputStream in = new DataInputStream(s.getInputStream());
                out.write(42);
                assertEquals(42, in.read());
                long first = System.nanoTime() - start;
                assertTrue(first >= 2 * rtt.toNanos(), "cold exchange took " + first / 1_000_000 + " ms");
                long warmStart = System.nanoTime();
                out.write(43);
                assertEquals(43, in.read());
                long warm = System.nanoTime() - warmStart;
                assertTrue(warm >= rtt.toNanos(), "warm exchange took " + warm / 1_000_000 + " ms");
            }
        }
    }

    @Test
    void idleConnectionsAreClosed() throws Exception {
        LinkProfile p = LinkProfile.of(Duration.ZERO, 0).withIdleTimeout(Duration.ofMillis(200));
        try (SlowLink link = SlowLink.start(target(), p); Socket s = connect(link)) {
            s.setSoTimeout(30_000); // a guard against hanging the build, not a timing assertion
            assertEquals(-1, s.getInputStream().read());
        }
    }

    @Test
    void closingTheLinkEndsItsConnections() throws Exception {
        SlowLink link = SlowLink.start(target(), LinkProfile.of(Duration.ZERO, 0));
        try (Socket s = connect(link)) {
            s.setSoTimeout(30_000);
            s.getOutputStream().write(1);
            assertEquals(1, s.getInputStream().read());
            link.close();
            int r;
            try {
                r = s.getInputStream().read();
            } catch (IOException reset) {
                r = -1;
            }
            assertEquals(-1, r);
        }
        assertThrows(IOException.class, () -> connect(link).getInputStream().read());
    }

    @Test
    void refusesTargetsOffLoopback() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SlowLink.start(new InetSocketAddress("192.0.2.1", 80), LinkProfile.of(Duration.ZERO, 0)));
        assertTrue(e.getMessage().contains("loopback"), e.getMessage());
    }

    private static Socket connect(SlowLink link) throws IOException {
        Socket s = new Socket("127.0.0.1", link.port());
        s.setTcpNoDelay(true);
        s.setSoTimeout(60_000);
        return s;
    }

    private static Thread writeThenHalfClose(Socket s, byte[] data) {
        Thread t = new Thread(() -> {
            try {
                OutputStream out = s.getOutputStream();
                out.write(data);
                s.shutdownOutput();
            } catch (IOException e) {
                // the reading side fails the test
            }
        }, "test-writer");
        t.start();
        return t;
    }

    private static byte[] readAll(Socket s) {
        try {
            InputStream in = s.getInputStream();
            return in.readAllBytes();
        } catch (IOException e) {
            return null;
        }
    }
}
