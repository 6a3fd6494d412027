package dev.estargz.registry.http;

import dev.estargz.registry.HostConfig;
import dev.estargz.registry.MirrorConfig;
import dev.estargz.registry.RegistryConfig;
import dev.estargz.registry.RegistryException;
import dev.estargz.registry.RegistryException.Kind;
import dev.estargz.registry.auth.AuthChallenge;
import dev.estargz.registry.auth.RegistryAuthorizer;
import dev.estargz.registry.reference.ImageReference;
import okhttp3.Call;
import okhttp3.ConnectionPool;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ProtocolException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Sends registry requests: picks endpoints (mirrors, then upstream), applies scheme, TLS trust and headers per host,
 * authorises, follows redirects (dropping credentials and custom headers when the host changes) and retries
 * transient failures with backoff, bounded by the request timeout. All endpoints share one connection pool.
 */
public final class RegistryTransport implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(RegistryTransport.class);
    private static final int MAX_REDIRECTS = 10;

    private final RegistryConfig config;
    private final OkHttpClient base;
    private final RegistryAuthorizer authorizer;
    private final Backoff backoff;
    private final Map<List<Path>, OkHttpClient> clientsByTrust = new ConcurrentHashMap<>();

    /** Reads and handles one response; IOExceptions it throws are retried unless they are non-transient. */
    @FunctionalInterface
    public interface ResponseHandler<T> {
        T handle(Response response) throws IOException;
    }

    public RegistryTransport(RegistryConfig config) {
        this(config, Clock.systemUTC());
    }

    public RegistryTransport(RegistryConfig config, Clock clock) {
        this.config = config;
        // Redirects are followed by hand so that credentials never travel to another host.
        this.base = new OkHttpClient.Builder()
                .connectionPool(new ConnectionPool(16, 5, TimeUnit.MINUTES))
                .followRedirects(false)
                .followSslRedirects(false)
                .retryOnConnectionFailure(true)
                .connectTimeout(config.connectTimeout())
                .readTimeout(config.stallTimeout())
                .writeTimeout(config.stallTimeout())
                .build();
        this.authorizer = new RegistryAuthorizer(url -> clientForHost(hostPort(url)), config.credentials(), clock);
        this.backoff = new Backoff(config.minBackoff(), config.maxBackoff());
        // Read every CA file now, so a bad path is a configuration error at startup rather than at first pull.
        config.hosts().forEach((host, hc) -> {
            if (!hc.caCertificates().isEmpty()) {
                try {
                    trustFor(hc.caCertificates());
                } catch (IOException e) {
                    throw new IllegalArgumentException("host " + host + ": " + e.getMessage(), e);
                }
            }
        });
    }

    /** Where to pull {@code ref} from: its mirrors in configured order, then the upstream registry. */
    public List<Endpoint> pullEndpoints(ImageReference ref) {
        HostConfig hc = config.host(ref.registry());
        List<Endpoint> out = new ArrayList<>();
        for (MirrorConfig m : hc.mirrors()) {
            String host = m.host().equals(ImageReference.DOCKER_HUB) ? ImageReference.DOCKER_HUB_API_HOST : m.host();
            boolean plain = m.insecure() || config.host(m.host()).plainHttp() || config.plainHttp()
                    || (ImageReference.isLoopback(host) && config.host(m.host()).caCertificates().isEmpty());
            Duration timeout = m.effectiveTimeout(config.requestTimeout());
            out.add(endpoint(host, plain, true, m.header(), timeout, m.host(), ref.repository()));
        }
        out.add(pushEndpoint(ref));
        return out;
    }

    /** The upstream registry of {@code ref}; pushes never go to mirrors. */
    public Endpoint pushEndpoint(ImageReference ref) {
        HostConfig hc = config.host(ref.registry());
        // Explicit plain HTTP wins; a configured CA means the user expects TLS even on loopback.
        boolean plain = hc.plainHttp() || (hc.caCertificates().isEmpty()
                && (config.plainHttp() || ImageReference.isLoopback(ref.registry())));
        return endpoint(ref.apiHost(), plain, false, hc.header(), config.requestTimeout(), ref.registry(),
                ref.repository());
    }

    private Endpoint endpoint(String host, boolean plain, boolean mirror, Map<String, List<String>> headers,
                              Duration timeout, String credentialKey, String repository) {
        // A stall ends an attempt early enough to leave time for a retry within the request timeout.
        Duration stall = timeout == null || timeout.compareTo(config.stallTimeout()) > 0 ? config.stallTimeout() : timeout;
        OkHttpClient c = clientForHost(host).newBuilder().readTimeout(stall).writeTimeout(stall).build();
        return new Endpoint(host, plain, mirror, headers, timeout, credentialKey, repository, c);
    }

    private OkHttpClient clientForHost(String host) {
        List<Path> cas = config.host(host).caCertificates();
        if (cas.isEmpty() && host.equals(ImageReference.DOCKER_HUB_API_HOST)) {
            cas = config.host(ImageReference.DOCKER_HUB).caCertificates();
        }
        if (cas.isEmpty()) {
            return base;
        }
        try {
            return trustFor(cas);
        } catch (IOException e) {
            // Unreachable in practice: the constructor has read every configured CA file once already.
            throw new java.io.UncheckedIOException(e);
        }
    }

    private OkHttpClient trustFor(List<Path> cas) throws IOException {
        OkHttpClient c = clientsByTrust.get(cas);
        if (c == null) {
            CaTrust t = CaTrust.withExtraCas(cas);
            c = base.newBuilder().sslSocketFactory(t.context().getSocketFactory(), t.trustManager()).build();
            OkHttpClient raced = clientsByTrust.putIfAbsent(cas, c);
            c = raced != null ? raced : c;
        }
        return c;
    }

    /**
     * Sends {@code req} to {@code ep} and lets {@code handler} read the response, retrying connection errors, 429,
     * 5xx and handler IOExceptions (a reset or short body) when the request is retryable. The response given to the
     * handler may be any non-retried status; use {@link #error} for the ones it does not expect.
     */
    public <T> T call(Endpoint ep, RegistryRequest req, ResponseHandler<T> handler) throws IOException {
        long start = System.nanoTime();
        Duration timeout = req.streaming() ? null : ep.timeout();
        long deadline = timeout == null || timeout.isZero() ? Long.MAX_VALUE : start + timeout.toNanos();
        IOException last;
        for (int attempt = 0; ; attempt++) {
            Duration retryAfter = Duration.ZERO;
            try (Response r = execute(ep, req, deadline)) {
                if (req.retryable() && isTransientStatus(r.code())) {
                    retryAfter = retryAfter(r.header("Retry-After"), Instant.now());
                    last = RegistryErrors.from(ep, req, r);
                } else {
                    return handler.handle(r);
                }
            } catch (RegistryException e) {
                if (!req.retryable() || !isTransient(e.kind())) {
                    throw e;
                }
                last = e;
            } catch (IOException e) {
                if (!req.retryable() || isCertificateFailure(e)) {
                    throw wrap(ep, req, e, attempt + 1);
                }
                last = e;
            }
            if (attempt >= config.maxRetries()) {
                break;
            }
            Duration pause = backoff.pause(attempt + 1);
            if (retryAfter.compareTo(pause) > 0) {
                // Honour the registry's Retry-After, but never wait longer than one maximal backoff.
                pause = retryAfter.compareTo(config.maxBackoff()) > 0 ? config.maxBackoff() : retryAfter;
            }
            if (System.nanoTime() + pause.toNanos() >= deadline) {
                break;
            }
            LOG.info("retrying {} {} at {} in {} ms (attempt {} failed: {})", req.method(),
                    RegistryErrors.redacted(req.url()), ep.host(), pause.toMillis(), attempt + 1, last.getMessage());
            sleep(pause);
        }
        if (last instanceof RegistryException re) {
            throw re;
        }
        throw wrap(ep, req, last, config.maxRetries() + 1);
    }

    /** One operation against one endpoint, for {@link #firstAnswering}. */
    @FunctionalInterface
    public interface EndpointCall<T> {
        T call(Endpoint endpoint) throws IOException;
    }

    /**
     * Runs {@code op} against each endpoint in order until one succeeds, as containerd tries mirrors before the
     * upstream: any registry error moves on to the next. The last endpoint's error is the one thrown, so a failure
     * reports the upstream registry rather than a mirror.
     */
    public <T> T firstAnswering(List<Endpoint> endpoints, EndpointCall<T> op) throws IOException {
        RegistryException last = null;
        for (Endpoint ep : endpoints) {
            try {
                return op.call(ep);
            } catch (RegistryException e) {
                if (endpoints.size() > 1) {
                    LOG.info("{} failed at {}: {}", e.reference(), ep, e.getMessage());
                }
                last = e;
            }
        }
        if (last == null) {
            throw new IllegalArgumentException("no endpoints");
        }
        throw last;
    }

    /** The typed error for a response the caller did not expect. */
    public RegistryException error(Endpoint ep, RegistryRequest req, Response r) {
        return RegistryErrors.from(ep, req, r);
    }

    /** One attempt: authorisation (one renewal on 401) and redirects. */
    private Response execute(Endpoint ep, RegistryRequest req, long deadline) throws IOException {
        HttpUrl url = req.url();
        String method = req.method();
        okhttp3.RequestBody body = req.body();
        // An upload Location may point at another host; credentials go only to the endpoint's own host.
        boolean sameHost = hostPort(url).equals(ep.host());
        String auth = authorizer.authorization(ep.host(), ep.credentialKey(), ep.repository(), req.scopes());
        boolean renewed = false;
        for (int hops = 0; hops <= MAX_REDIRECTS; ) {
            Request.Builder b = new Request.Builder().url(url).headers(req.headers()).method(method, body)
                    .header("User-Agent", config.userAgent());
            if (sameHost) {
                ep.headers().forEach((k, vs) -> vs.forEach(v -> b.addHeader(k, v)));
                if (auth != null) {
                    b.header("Authorization", auth);
                }
            }
            Call call = ep.client().newCall(b.build());
            if (deadline != Long.MAX_VALUE) {
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0) {
                    throw new java.net.SocketTimeoutException("request timeout of " + ep.timeout() + " exceeded");
                }
                call.timeout().timeout(remaining, TimeUnit.NANOSECONDS);
            }
            Response r = call.execute();
            // The first 401 may just ask for credentials; a 401 to credentials we sent earns one renewal.
            if (r.code() == 401 && sameHost && (auth == null || !renewed)) {
                List<AuthChallenge> challenges = AuthChallenge.parse(r.headers("WWW-Authenticate"));
                r.close();
                renewed |= auth != null;
                auth = authorizer.authorize(ep.host(), ep.credentialKey(), ep.repository(), req.scopes(), challenges,
                        auth, req.reference());
                continue;
            }
            String location = r.header("Location");
            if (r.isRedirect() && location != null) {
                HttpUrl next = url.resolve(location);
                r.close();
                if (next == null) {
                    throw new RegistryException(Kind.INVALID_RESPONSE, "redirect to an invalid Location",
                            req.reference(), ep.host(), req.digest(), null, r.code(), null);
                }
                if (!hostPort(next).equals(ep.host()) || (url.isHttps() && !next.isHttps())) {
                    sameHost = false;
                }
                if (r.code() == 303) {
                    method = "GET";
                    body = null;
                }
                url = next;
                hops++;
                continue;
            }
            return r;
        }
        throw new RegistryException(Kind.INVALID_RESPONSE, "more than " + MAX_REDIRECTS + " redirects",
                req.reference(), ep.host(), req.digest(), null, 0, null);
    }

    private static RegistryException wrap(Endpoint ep, RegistryRequest req, IOException e, int attempts) {
        if (e instanceof RegistryException re) {
            return re;
        }
        Kind kind = e instanceof ProtocolException || e instanceof EOFException ? Kind.INVALID_RESPONSE : Kind.UNREACHABLE;
        return new RegistryException(kind, req.method() + " " + RegistryErrors.redacted(req.url()) + " failed after "
                + attempts + " attempt(s): " + e, req.reference(), ep.host(), req.digest(), null, 0, e);
    }

    /** An untrusted certificate will not become trusted by asking again. */
    private static boolean isCertificateFailure(IOException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.security.cert.CertificateException || t instanceof javax.net.ssl.SSLPeerUnverifiedException) {
                return true;
            }
        }
        return false;
    }

    /**
     * The wait a Retry-After header asks for: delay-seconds or an HTTP-date (RFC 9110 §10.2.3; RFC 1123 form, as
     * servers must send it). Unparsable or past values ask for nothing, and plain backoff applies.
     */
    static Duration retryAfter(String header, Instant now) {
        if (header == null || header.isBlank()) {
            return Duration.ZERO;
        }
        String v = header.trim();
        try {
            return Duration.ofSeconds(Math.max(0, Long.parseLong(v)));
        } catch (NumberFormatException notSeconds) {
            try {
                Instant at = ZonedDateTime.parse(v,
                        DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                Duration d = Duration.between(now, at);
                return d.isNegative() ? Duration.ZERO : d;
            } catch (DateTimeParseException notDate) {
                return Duration.ZERO;
            }
        }
    }

    static boolean isTransientStatus(int code) {
        return code == 408 || code == 429 || code == 500 || code == 502 || code == 503 || code == 504;
    }

    static boolean isTransient(Kind k) {
        return k == Kind.TOO_MANY_REQUESTS || k == Kind.SERVER_ERROR || k == Kind.UNREACHABLE;
    }

    private static void sleep(Duration d) throws InterruptedIOException {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted during retry backoff");
        }
    }

    static String hostPort(HttpUrl u) {
        boolean defaultPort = u.port() == HttpUrl.defaultPort(u.scheme());
        String h = u.host().contains(":") ? "[" + u.host() + "]" : u.host();
        return defaultPort ? h : h + ":" + u.port();
    }

    /** Closes idle connections and stops OkHttp's background threads. */
    @Override
    public void close() {
        base.dispatcher().executorService().shutdown();
        base.connectionPool().evictAll();
    }
}
