package dev.estargz.fusefs.mount;

import dev.estargz.registry.Digest;
import dev.estargz.registry.reference.ImageReference;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The part of a registry the lazy path talks to, for one blob on loopback, so that the warm-up sends its requests
 * through the registry client (OkHttp, our transport, range reads) as a real pull does: a fresh JVM's first
 * resolve spent ~100 ms in that code before its first request left. Answers {@code GET /v2/}, and {@code HEAD} and
 * {@code GET} of {@code /v2/warm-up/blobs/<digest>} with one range ({@code bytes=a-b}, {@code bytes=a-},
 * {@code bytes=-n}) or none, over HTTP/1.1 keep-alive connections, a thread each.
 *
 * <p>Not the JDK's {@code com.sun.net.httpserver}: without {@code TCP_NODELAY} (a JVM-wide property, read once) it
 * sends headers and body in two segments, and each response waited out the client's delayed ACK, 40 ms.
 */
final class WarmUpRegistry implements AutoCloseable {
    private static final String REPOSITORY = "warm-up";
    private static final Pattern RANGE = Pattern.compile("bytes=(\\d*)-(\\d*)");
    private static final int MAX_HEADER_BYTES = 16 << 10;

    private final ServerSocket server;
    private final FileChannel blob;
    private final long size;
    private final String blobPath;
    private final String digest;

    private WarmUpRegistry(ServerSocket server, FileChannel blob, Digest digest) throws IOException {
        this.server = server;
        this.blob = blob;
        this.size = blob.size();
        this.digest = digest.toString();
        this.blobPath = "/v2/" + REPOSITORY + "/blobs/" + digest;
    }

    /** Serves {@code file} as blob {@code digest} on a free loopback port until closed. */
    static WarmUpRegistry serve(Path file, Digest digest) throws IOException {
        ServerSocket server = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
        FileChannel blob;
        try {
            blob = FileChannel.open(file, StandardOpenOption.READ);
        } catch (IOException e) {
            server.close();
            throw e;
        }
        WarmUpRegistry registry = new WarmUpRegistry(server, blob, digest);
        daemon(registry::accept, "estargz-warm-up-registry");
        return registry;
    }

    /** The blob's repository, as the registry client names it. */
    ImageReference repository() {
        return ImageReference.parse(InetAddress.getLoopbackAddress().getHostAddress() + ":" + server.getLocalPort()
                + "/" + REPOSITORY);
    }

    private static void daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                s.setTcpNoDelay(true);
                daemon(() -> serve(s), "estargz-warm-up-registry-conn");
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void serve(Socket s) {
        try (s; InputStream in = new BufferedInputStream(s.getInputStream()); OutputStream out = s.getOutputStream()) {
            while (true) {
                String head = readHead(in);
                if (head == null) {
                    return;
                }
                String[] lines = head.split("\r\n");
                String[] request = lines[0].split(" ");
                String range = null;
                for (int i = 1; i < lines.length; i++) {
                    int colon = lines[i].indexOf(':');
                    if (colon > 0 && lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT).equals("range")) {
                        range = lines[i].substring(colon + 1).trim();
                    }
                }
                respond(out, request.length > 1 ? request[0] : "", request.length > 1 ? request[1] : "", range);
            }
        } catch (IOException e) {
            // the client went away
        }
    }

    /** The request line and headers up to the blank line, or null at the end of the connection. */
    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream(512);
        int matched = 0;
        while (matched < 4) {
            int c = in.read();
            if (c < 0) {
                return null;
            }
            b.write(c);
            matched = (c == '\r' && matched % 2 == 0) || (c == '\n' && matched % 2 == 1) ? matched + 1 : 0;
            if (b.size() > MAX_HEADER_BYTES) {
                throw new IOException("request head too large");
            }
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    private void respond(OutputStream out, String method, String path, String range) throws IOException {
        if (path.equals("/v2/") || path.equals("/v2")) {
            send(out, "200 OK", "", 0, null, 0, 0);
            return;
        }
        if (!path.equals(blobPath) || !(method.equals("GET") || method.equals("HEAD"))) {
            send(out, "404 Not Found", "", 0, null, 0, 0);
            return;
        }
        long first = 0;
        long last = size - 1;
        String status = "200 OK";
        String extra = "";
        if (range != null) {
            Matcher m = RANGE.matcher(range);
            if (m.matches() && !(m.group(1).isEmpty() && m.group(2).isEmpty())) {
                if (m.group(1).isEmpty()) {
                    first = Math.max(0, size - Long.parseLong(m.group(2)));
                } else {
                    first = Long.parseLong(m.group(1));
                    last = m.group(2).isEmpty() ? size - 1 : Math.min(size - 1, Long.parseLong(m.group(2)));
                }
            }
            if (!m.matches() || first > last) {
                send(out, "416 Range Not Satisfiable", "Content-Range: bytes */" + size + "\r\n", 0, null, 0, 0);
                return;
            }
            status = "206 Partial Content";
            extra = "Content-Range: bytes " + first + "-" + last + "/" + size + "\r\n";
        }
        long length = last - first + 1;
        send(out, status, extra + "Content-Type: application/octet-stream\r\nDocker-Content-Digest: " + digest
                + "\r\n", length, method.equals("HEAD") ? null : blob, first, length);
    }

    /** One response in as few writes as possible: head and (up to 64 KiB of) body together. */
    private static void send(OutputStream out, String status, String headers, long contentLength, FileChannel body,
            long offset, long length) throws IOException {
        byte[] head = ("HTTP/1.1 " + status + "\r\n" + headers + "Content-Length: " + contentLength + "\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer buf = ByteBuffer.allocate(head.length + (int) Math.min(body == null ? 0 : length, 64 << 10));
        buf.put(head);
        long pos = offset;
        long end = offset + (body == null ? 0 : length);
        while (true) {
            while (buf.hasRemaining() && pos < end) {
                int n = body.read(buf, pos);
                if (n < 0) {
                    throw new IOException("blob shorter than its size");
                }
                pos += n;
            }
            out.write(buf.array(), 0, buf.position());
            if (pos >= end) {
                break;
            }
            buf.clear().limit((int) Math.min(buf.capacity(), end - pos));
        }
        out.flush();
    }

    @Override
    public void close() throws IOException {
        try {
            server.close();
        } finally {
            blob.close();
        }
    }
}
