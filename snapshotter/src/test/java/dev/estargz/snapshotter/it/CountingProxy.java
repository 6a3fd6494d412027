package dev.estargz.snapshotter.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy on 127.0.0.1 in front of a registry that counts the bytes the registry sends (so a test can tell
 * what a pull fetched), and can play a stopped registry: while down, connections are refused at once (closed)
 * and open ones are dropped.
 */
final class CountingProxy implements AutoCloseable {
    private final ServerSocket server;
    private final int targetPort;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final AtomicLong downstream = new AtomicLong();
    private volatile boolean down;

    CountingProxy(int targetPort) throws IOException {
        this.targetPort = targetPort;
        this.server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        Thread acceptor = new Thread(this::accept, "counting-proxy-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    String host() {
        return "127.0.0.1:" + server.getLocalPort();
    }

    /** Bytes sent by the registry through the proxy so far. */
    long downstreamBytes() {
        return downstream.get();
    }

    /** Stops (true) or restarts (false) the registry as seen through the proxy. */
    void down(boolean d) {
        down = d;
        if (d) {
            for (Socket s : sockets) {
                close(s);
            }
            sockets.clear();
        }
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                if (down) {
                    close(client);
                    continue;
                }
                Socket upstream = new Socket("127.0.0.1", targetPort);
                sockets.add(client);
                sockets.add(upstream);
                pipe(client, upstream, null);
                pipe(upstream, client, downstream);
            } catch (IOException e) {
                return;
            }
        }
    }

    private void pipe(Socket from, Socket to, AtomicLong counter) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[32 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    if (counter != null) {
                        counter.addAndGet(n);
                    }
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // connection over
            } finally {
                close(from);
                close(to);
            }
        }, "counting-proxy-pipe");
        t.setDaemon(true);
        t.start();
    }

    private static void close(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        down(true);
    }
}
