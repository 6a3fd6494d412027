package dev.estargz.testkit;

import okhttp3.Headers;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import okhttp3.mockwebserver.SocketPolicy;
import okio.Buffer;

import java.io.IOException;
import java.net.InetAddress;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * An HTTP proxy in front of a real registry that injects faults on request: statuses, resets mid-body, stalls,
 * short or corrupted bodies, refused or ignored ranges, redirects. Built on MockWebServer, used here for fault
 * injection only; everything it does not break is forwarded to the real registry.
 */
public final class FaultProxy implements AutoCloseable {
    /** What to do to one matching request. */
    public sealed interface Fault {
        /** Answer with this status (and optional headers) instead of forwarding. */
        record Status(int code, Headers headers) implements Fault {
        }

        /** Forward, then drop the connection halfway through the body. */
        record ResetMidBody() implements Fault {
        }

        /** Forward, send half the body, then stall for 3 s (clients under test use a shorter stall timeout). */
        record Stall() implements Fault {
        }

        /** Forward, announce the full Content-Length but send half the body and close. */
        record ShortBody() implements Fault {
        }

        /** Forward with one body byte flipped. */
        record CorruptBody() implements Fault {
        }

        /** Forward without the Range header, so the registry answers 200 with the whole blob. */
        record IgnoreRange() implements Fault {
        }

        /** Forward for blob {@code digest} instead (same range), as a mirror mixing up two blobs would. */
        record OtherBlob(String digest) implements Fault {
        }

        /** Forward, then move the answer's {@code Content-Range} by {@code by} bytes (the body is unchanged). */
        record ShiftContentRange(long by) implements Fault {
        }

        /** Answer with a redirect to the same path on {@code base}. */
        record RedirectTo(HttpUrl base, int code) implements Fault {
        }
    }

    private record Rule(Predicate<RecordedRequest> when, Fault fault, int[] remaining) {
    }

    private final MockWebServer server = new MockWebServer();
    private final HttpUrl upstream;
    private final OkHttpClient forwarder;
    private final Queue<Rule> rules = new ConcurrentLinkedQueue<>();
    private final List<RecordedRequest> seen = new CopyOnWriteArrayList<>();

    /** Starts a proxy on 127.0.0.1 forwarding to {@code upstream} (e.g. {@code http://127.0.0.1:5000}). */
    public FaultProxy(HttpUrl upstream) throws IOException {
        this.upstream = upstream;
        this.forwarder = new OkHttpClient.Builder().followRedirects(false).retryOnConnectionFailure(false)
                .readTimeout(30, TimeUnit.SECONDS).build();
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                seen.add(request);
                try {
                    return answer(request);
                } catch (IOException e) {
                    return new MockResponse().setResponseCode(599).setBody("proxy failed: " + e);
                }
            }
        });
        server.start(InetAddress.getByName("127.0.0.1"), 0);
    }

    /** {@code 127.0.0.1:<port>} */
    public String host() {
        return "127.0.0.1:" + server.getPort();
    }

    public int port() {
        return server.getPort();
    }

    /** Applies {@code fault} to the next {@code times} requests matching {@code when}. */
    public FaultProxy inject(Predicate<RecordedRequest> when, Fault fault, int times) {
        rules.add(new Rule(when, fault, new int[]{times}));
        return this;
    }

    /** Forgets all faults and recorded requests. */
    public void reset() {
        rules.clear();
        seen.clear();
    }

    /** Requests seen so far, in order. */
    public List<RecordedRequest> requests() {
        return List.copyOf(seen);
    }

    /** Matches blob GETs. */
    public static Predicate<RecordedRequest> blobGet() {
        return r -> "GET".equals(r.getMethod()) && r.getPath() != null && r.getPath().contains("/blobs/sha256:");
    }

    /** Matches manifest GETs. */
    public static Predicate<RecordedRequest> manifestGet() {
        return r -> "GET".equals(r.getMethod()) && r.getPath() != null && r.getPath().contains("/manifests/");
    }

    /** Matches requests whose Range header asks for several ranges. */
    public static Predicate<RecordedRequest> multiRange() {
        return r -> r.getHeader("Range") != null && r.getHeader("Range").contains(",");
    }

    private Fault take(RecordedRequest r) {
        for (Rule rule : rules) {
            synchronized (rule) {
                if (rule.remaining()[0] > 0 && rule.when().test(r)) {
                    rule.remaining()[0]--;
                    return rule.fault();
                }
            }
        }
        return null;
    }

    private MockResponse answer(RecordedRequest in) throws IOException {
        Fault fault = take(in);
        if (fault instanceof Fault.Status s) {
            return new MockResponse().setResponseCode(s.code()).setHeaders(s.headers())
                    .setBody("{\"errors\":[{\"code\":\"INJECTED\",\"message\":\"injected " + s.code() + "\"}]}");
        }
        if (fault instanceof Fault.RedirectTo rd) {
            HttpUrl target = rd.base().resolve(in.getPath());
            return new MockResponse().setResponseCode(rd.code()).setHeader("Location", target.toString());
        }
        String path = fault instanceof Fault.OtherBlob ob
                ? in.getPath().replaceFirst("/blobs/sha256:[0-9a-f]+", "/blobs/" + ob.digest()) : in.getPath();
        Request.Builder fwd = new Request.Builder().url(upstream.resolve(path));
        for (var h : in.getHeaders()) {
            String name = h.getFirst();
            if (name.equalsIgnoreCase("Content-Length") || name.equalsIgnoreCase("Transfer-Encoding")
                    || name.equalsIgnoreCase("Connection") || name.equalsIgnoreCase("Accept-Encoding")
                    || (fault instanceof Fault.IgnoreRange && name.equalsIgnoreCase("Range"))) {
                continue;
            }
            // Host is kept so the registry builds upload Locations that point back at this proxy.
            fwd.addHeader(name, h.getSecond());
        }
        byte[] body = in.getBody().readByteArray();
        String method = in.getMethod();
        boolean needsBody = method.equals("POST") || method.equals("PUT") || method.equals("PATCH");
        String ct = in.getHeader("Content-Type");
        fwd.method(method, needsBody ? RequestBody.create(body, ct == null ? null : MediaType.parse(ct)) : null);
        try (Response r = forwarder.newCall(fwd.build()).execute()) {
            byte[] payload = r.body() == null ? new byte[0] : r.body().bytes();
            MockResponse out = new MockResponse().setResponseCode(r.code());
            for (var h : r.headers()) {
                if (!h.getFirst().equalsIgnoreCase("Content-Length") && !h.getFirst().equalsIgnoreCase("Transfer-Encoding")) {
                    out.addHeader(h.getFirst(), h.getSecond());
                }
            }
            if (method.equals("HEAD")) {
                String len = r.header("Content-Length");
                // set, not added: the empty body's "Content-Length: 0" would be a second one, which Go refuses
                return len == null ? out : out.setHeader("Content-Length", len);
            }
            String range = r.header("Content-Range");
            if (fault instanceof Fault.ShiftContentRange sh && range != null) {
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("bytes (\\d+)-(\\d+)/(.*)").matcher(range);
                if (m.matches()) {
                    out.setHeader("Content-Range", "bytes " + (Long.parseLong(m.group(1)) + sh.by()) + "-"
                            + (Long.parseLong(m.group(2)) + sh.by()) + "/" + m.group(3));
                }
            }
            if (fault instanceof Fault.CorruptBody && payload.length > 0) {
                payload[payload.length / 2] ^= 0x5a;
            }
            if (fault instanceof Fault.ShortBody) {
                Buffer half = new Buffer().write(payload, 0, payload.length / 2);
                return out.setBody(half).setHeader("Content-Length", payload.length)
                        .setSocketPolicy(SocketPolicy.DISCONNECT_AT_END);
            }
            out.setBody(new Buffer().write(payload));
            if (fault instanceof Fault.ResetMidBody) {
                out.setSocketPolicy(SocketPolicy.DISCONNECT_DURING_RESPONSE_BODY);
            } else if (fault instanceof Fault.Stall) {
                out.throttleBody(Math.max(1, payload.length / 2), 3, TimeUnit.SECONDS);
            }
            return out;
        }
    }

    @Override
    public void close() throws IOException {
        server.shutdown();
        forwarder.dispatcher().executorService().shutdown();
        forwarder.connectionPool().evictAll();
    }
}
