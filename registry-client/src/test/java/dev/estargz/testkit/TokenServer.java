package dev.estargz.testkit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Docker token service for distribution's {@code auth.token}: issues RS256 JWTs carrying the {@code access}
 * claim, with the signing certificate in the {@code x5c} header so the registry verifies it against
 * {@code rootcertbundle}. Anonymous callers get pull only; known users get what they ask; identity (refresh)
 * tokens are accepted by POST. Knobs let tests make tokens the registry rejects, to exercise renewal.
 */
public final class TokenServer implements AutoCloseable {
    public static final String SERVICE = "estargz-test-registry";
    public static final String ISSUER = "estargz-test-issuer";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();

    private final HttpServer server;
    private final ExecutorService executor;
    private final TestCertificates certs;
    private final PrivateKey key;
    private final Map<String, String> users;
    private final Map<String, String> refreshTokens;
    private final boolean anonymousPull;
    private final AtomicInteger issued = new AtomicInteger();
    private final AtomicInteger rejectedNext = new AtomicInteger();
    private volatile long expiresInSeconds = 300;

    /**
     * @param users         user → password for basic credentials
     * @param refreshTokens refresh token → user, for the OAuth2 POST flow
     */
    public TokenServer(TestCertificates certs, Map<String, String> users, Map<String, String> refreshTokens,
                       boolean anonymousPull) throws IOException {
        this.certs = certs;
        this.key = certs.tokenPrivateKey();
        this.users = Map.copyOf(users);
        this.refreshTokens = Map.copyOf(refreshTokens);
        this.anonymousPull = anonymousPull;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        this.executor = Executors.newFixedThreadPool(2, r -> new Thread(r, "test-token-server"));
        server.setExecutor(executor);
        server.createContext("/token", this::handle);
        server.start();
    }

    /** The realm URL to configure in the registry. */
    public String realm() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/token";
    }

    /** Tokens issued so far. */
    public int tokensIssued() {
        return issued.get();
    }

    /** The next {@code n} tokens carry an expiry long past, so the registry answers 401 to them. */
    public void issueExpiredTokens(int n) {
        rejectedNext.set(n);
    }

    /** The {@code expires_in} announced (and put in the JWT) from now on. */
    public void expiresIn(long seconds) {
        expiresInSeconds = seconds;
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String user = null;
            List<String> scopes = new ArrayList<>();
            String query = ex.getRequestURI().getRawQuery();
            Map<String, List<String>> params = new java.util.HashMap<>();
            parseForm(query, params);
            if ("POST".equals(ex.getRequestMethod())) {
                parseForm(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8), params);
                String refresh = first(params, "refresh_token");
                user = refresh == null ? null : refreshTokens.get(refresh);
                if (user == null) {
                    reply(ex, 401, "{\"error\":\"invalid refresh token\"}");
                    return;
                }
                for (String s : params.getOrDefault("scope", List.of())) {
                    scopes.addAll(List.of(s.split(" ")));
                }
            } else {
                scopes.addAll(params.getOrDefault("scope", List.of()));
                String auth = ex.getRequestHeaders().getFirst("Authorization");
                if (auth != null && auth.startsWith("Basic ")) {
                    String[] up = new String(Base64.getDecoder().decode(auth.substring(6)), StandardCharsets.UTF_8)
                            .split(":", 2);
                    if (up.length != 2 || !up[1].equals(users.get(up[0]))) {
                        reply(ex, 401, "{\"error\":\"bad credentials\"}");
                        return;
                    }
                    user = up[0];
                }
            }
            if (user == null && !anonymousPull) {
                reply(ex, 401, "{\"error\":\"authentication required\"}");
                return;
            }
            long now = System.currentTimeMillis() / 1000;
            boolean expired = rejectedNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0;
            long exp = expired ? now - 3600 : now + expiresInSeconds;
            String token = jwt(user == null ? "" : user, scopes, user != null, now, exp);
            issued.incrementAndGet();
            ObjectNode body = JSON.createObjectNode();
            body.put(params.containsKey("refresh_token") ? "access_token" : "token", token);
            body.put("expires_in", expiresInSeconds);
            reply(ex, 200, JSON.writeValueAsString(body));
        } catch (GeneralSecurityException e) {
            throw new IOException(e);
        }
    }

    private String jwt(String subject, List<String> scopes, boolean authenticated, long now, long exp)
            throws IOException, GeneralSecurityException {
        ObjectNode header = JSON.createObjectNode();
        header.put("typ", "JWT");
        header.put("alg", "RS256");
        header.putArray("x5c").add(Base64.getEncoder().encodeToString(certs.tokenCertDer()));
        ObjectNode claims = JSON.createObjectNode();
        claims.put("iss", ISSUER);
        claims.put("sub", subject);
        claims.put("aud", SERVICE);
        claims.put("exp", exp);
        claims.put("nbf", now - 10);
        claims.put("iat", now);
        claims.put("jti", UUID.randomUUID().toString());
        ArrayNode access = claims.putArray("access");
        for (String scope : scopes) {
            int first = scope.indexOf(':');
            int last = scope.lastIndexOf(':');
            if (first < 0 || last <= first) {
                continue;
            }
            ObjectNode a = access.addObject();
            a.put("type", scope.substring(0, first));
            a.put("name", scope.substring(first + 1, last));
            ArrayNode actions = a.putArray("actions");
            for (String action : scope.substring(last + 1).split(",")) {
                if (authenticated || action.equals("pull")) {
                    actions.add(action);
                }
            }
        }
        String signingInput = B64URL.encodeToString(JSON.writeValueAsBytes(header)) + "."
                + B64URL.encodeToString(JSON.writeValueAsBytes(claims));
        Signature s = Signature.getInstance("SHA256withRSA");
        s.initSign(key);
        s.update(signingInput.getBytes(StandardCharsets.US_ASCII));
        return signingInput + "." + B64URL.encodeToString(s.sign());
    }

    private static void parseForm(String raw, Map<String, List<String>> into) {
        if (raw == null || raw.isEmpty()) {
            return;
        }
        for (String kv : raw.split("&")) {
            int eq = kv.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? kv : kv.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8);
            into.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
        }
    }

    private static String first(Map<String, List<String>> m, String k) {
        List<String> v = m.get(k);
        return v == null || v.isEmpty() ? null : v.get(0);
    }

    private static void reply(HttpExchange ex, int status, String json) throws IOException {
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, b.length);
        ex.getResponseBody().write(b);
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
