package dev.estargz.bench.link;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;

/**
 * Sends a few bytes through a throwaway link to a throwaway echo server, so that the first real connection does
 * not pay for class loading and the first thread starts: on a busy machine that cost reached a quarter of a
 * second, which would have shown up as a slow first pull in cold-start measurements.
 */
final class LinkWarmUp {
    private static final int TIMEOUT_MS = 5_000;

    private LinkWarmUp() {
    }

    /** Runs the warm-up; failures are ignored, as a cold link still works, only slower at first. */
    static void run() {
        try (ServerSocket echo = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            echo.setSoTimeout(TIMEOUT_MS);
            Thread server = new Thread(() -> echoOnce(echo), "slowlink-warmup-echo");
            server.setDaemon(true);
            server.start();
            LinkProfile p = LinkProfile.of(Duration.ofMillis(1), 0).withHandshake(false);
            try (SlowLink link = SlowLink.startCold(new InetSocketAddress("127.0.0.1", echo.getLocalPort()), p);
                 Socket s = new Socket("127.0.0.1", link.port())) {
                s.setSoTimeout(TIMEOUT_MS);
                OutputStream out = s.getOutputStream();
                out.write(new byte[]{1, 2, 3});
                s.shutdownOutput();
                s.getInputStream().readAllBytes();
            }
            server.join(TIMEOUT_MS);
        } catch (IOException e) {
            // a cold link still works
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void echoOnce(ServerSocket echo) {
        try (Socket s = echo.accept()) {
            s.setSoTimeout(TIMEOUT_MS);
            InputStream in = s.getInputStream();
            in.transferTo(s.getOutputStream());
            s.shutdownOutput();
        } catch (IOException e) {
            // the warm-up is best effort
        }
    }
}
