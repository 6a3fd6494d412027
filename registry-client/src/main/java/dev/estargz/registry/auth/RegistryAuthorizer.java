package dev.estargz.registry.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.estargz.registry.RegistryException;
import dev.estargz.registry.RegistryException.Kind;
import okhttp3.Credentials;
import okhttp3.FormBody;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Decides the {@code Authorization} header for each registry request: remembers each host's challenge, fetches and
 * caches bearer tokens per host and scope (anonymously, with basic credentials or with an identity token), and
 * renews a token when it expires or the registry rejects it. Never logs a secret.
 */
public final class RegistryAuthorizer {
    private static final Logger LOG = LoggerFactory.getLogger(RegistryAuthorizer.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long DEFAULT_EXPIRES_IN = 60;
    private static final String CLIENT_ID = "estargz-java";

    private final Function<HttpUrl, OkHttpClient> clientFor;
    private final CredentialStore credentials;
    private final Clock clock;
    private final Map<String, AuthChallenge> challenges = new ConcurrentHashMap<>();
    private final Map<String, BearerToken> tokens = new ConcurrentHashMap<>();
    private final Map<String, Object> fetchLocks = new ConcurrentHashMap<>();

    /**
     * @param clientFor the HTTP client to reach a token realm with (so per-host CAs apply to realms too)
     * @param clock     drives token expiry; injectable so tests need not sleep
     */
    public RegistryAuthorizer(Function<HttpUrl, OkHttpClient> clientFor, CredentialStore credentials, Clock clock) {
        this.clientFor = clientFor;
        this.credentials = credentials;
        this.clock = clock;
    }

    /**
     * The header to send before any challenge is seen on this request, or null. A known bearer challenge with an
     * expired token fetches a fresh one here, so long transfers renew before the registry says 401.
     *
     * @param host          the host the request goes to
     * @param credentialKey the registry name credentials are stored under
     * @param repository    the repository the request is for
     */
    public String authorization(String host, String credentialKey, String repository, List<String> scopes)
            throws IOException {
        AuthChallenge c = challenges.get(host);
        if (c == null) {
            return null;
        }
        if (c.isBasic()) {
            return basicHeader(credentials.lookup(credentialKey, repository));
        }
        if (c.isBearer()) {
            String key = tokenKey(host, scopes);
            BearerToken t = tokens.get(key);
            if (t != null && t.usableAt(clock.instant())) {
                return "Bearer " + t.value();
            }
            return "Bearer " + fetchToken(host, credentialKey, repository, c, scopes, null, null).value();
        }
        return null;
    }

    /**
     * Answers a 401: records the challenge and returns the header to retry with.
     *
     * @param rejected the Authorization header the registry just refused, or null
     * @throws RegistryException UNAUTHORIZED naming the realm when there is nothing better to try
     */
    public String authorize(String host, String credentialKey, String repository, List<String> scopes,
                            List<AuthChallenge> offered, String rejected, String reference) throws IOException {
        AuthChallenge c = offered.stream().filter(AuthChallenge::isBearer).findFirst()
                .or(() -> offered.stream().filter(AuthChallenge::isBasic).findFirst())
                .orElseThrow(() -> new RegistryException(Kind.UNAUTHORIZED,
                        "registry sent no Bearer or Basic challenge", reference, host, null, null, 401, null));
        challenges.put(host, c);
        if (c.isBasic()) {
            String header = basicHeader(credentials.lookup(credentialKey, repository));
            if (header == null || header.equals(rejected)) {
                throw new RegistryException(Kind.UNAUTHORIZED, header == null ? "no credentials for " + credentialKey
                        : "credentials for " + credentialKey + " were rejected", reference, host, null, c.realm(), 401, null);
            }
            return header;
        }
        if (c.realm() == null) {
            throw new RegistryException(Kind.UNAUTHORIZED, "bearer challenge without realm", reference, host, null,
                    null, 401, null);
        }
        String key = tokenKey(host, scopes);
        BearerToken cached = tokens.get(key);
        if (cached != null && rejected != null && !rejected.equals("Bearer " + cached.value())
                && cached.usableAt(clock.instant())) {
            // Another thread already renewed the token this request was sent with.
            return "Bearer " + cached.value();
        }
        tokens.remove(key);
        return "Bearer " + fetchToken(host, credentialKey, repository, c, scopes, rejected, reference).value();
    }

    private BearerToken fetchToken(String host, String credentialKey, String repository, AuthChallenge c,
                                   List<String> scopes, String rejected, String reference) throws IOException {
        String key = tokenKey(host, scopes);
        synchronized (fetchLocks.computeIfAbsent(key, k -> new Object())) {
            BearerToken existing = tokens.get(key);
            if (existing != null && existing.usableAt(clock.instant())
                    && (rejected == null || !rejected.equals("Bearer " + existing.value()))) {
                return existing;
            }
            BearerToken t = requestToken(host, credentials.lookup(credentialKey, repository), c, scopes, reference);
            tokens.put(key, t);
            return t;
        }
    }

    private BearerToken requestToken(String host, Credential cred, AuthChallenge c, List<String> scopes,
                                     String reference) throws IOException {
        HttpUrl realm = HttpUrl.parse(c.realm());
        if (realm == null) {
            throw new RegistryException(Kind.UNAUTHORIZED, "bearer realm is not an http(s) URL", reference, host,
                    null, c.realm(), 401, null);
        }
        String service = c.params().get("service");
        List<String> allScopes = new java.util.ArrayList<>(scopes);
        String offeredScope = c.params().get("scope");
        if (offeredScope != null && !allScopes.contains(offeredScope)) {
            allScopes.add(offeredScope);
        }
        Request request;
        if (cred instanceof Credential.IdentityToken id) {
            FormBody.Builder form = new FormBody.Builder().add("grant_type", "refresh_token")
                    .add("refresh_token", id.token()).add("client_id", CLIENT_ID)
                    .add("scope", String.join(" ", allScopes));
            if (service != null) {
                form.add("service", service);
            }
            request = new Request.Builder().url(realm).post(form.build()).build();
        } else {
            HttpUrl.Builder url = realm.newBuilder();
            if (service != null) {
                url.addQueryParameter("service", service);
            }
            allScopes.forEach(s -> url.addQueryParameter("scope", s));
            Request.Builder rb = new Request.Builder().url(url.build()).get();
            if (cred instanceof Credential.Basic b) {
                rb.header("Authorization", Credentials.basic(b.username(), b.password(), StandardCharsets.UTF_8));
                url.addQueryParameter("account", b.username());
                rb.url(url.build());
            }
            request = rb.build();
        }
        Instant fetchedAt = clock.instant();
        try (Response r = clientFor.apply(realm).newCall(request).execute()) {
            if (r.code() == 401 || r.code() == 403) {
                throw new RegistryException(r.code() == 401 ? Kind.UNAUTHORIZED : Kind.DENIED,
                        "token service refused " + describe(cred) + " for scope " + allScopes, reference, host, null,
                        c.realm(), r.code(), null);
            }
            if (r.code() == 429) {
                throw new RegistryException(Kind.TOO_MANY_REQUESTS, "token service", reference, host, null,
                        c.realm(), 429, null);
            }
            if (!r.isSuccessful()) {
                throw new RegistryException(r.code() >= 500 ? Kind.SERVER_ERROR : Kind.UNAUTHORIZED,
                        "token service answered " + r.code(), reference, host, null, c.realm(), r.code(), null);
            }
            JsonNode body = JSON.readTree(r.body().byteStream());
            String token = body.path("token").asText("");
            if (token.isEmpty()) {
                token = body.path("access_token").asText("");
            }
            if (token.isEmpty()) {
                throw new RegistryException(Kind.UNAUTHORIZED, "token service answered without a token", reference,
                        host, null, c.realm(), r.code(), null);
            }
            long expiresIn = body.path("expires_in").asLong(DEFAULT_EXPIRES_IN);
            if (expiresIn <= 0) {
                expiresIn = DEFAULT_EXPIRES_IN;
            }
            // Renew at 90% of the lifetime so that a request started just before expiry still gets through.
            Instant refreshAfter = fetchedAt.plus(Duration.ofMillis(expiresIn * 900));
            LOG.debug("got bearer token for {} scope {} from {} valid {} s", host, allScopes, realm.host(), expiresIn);
            return new BearerToken(token, refreshAfter);
        } catch (RegistryException e) {
            throw e;
        } catch (IOException e) {
            throw new RegistryException(Kind.UNREACHABLE, "token service: " + e.getMessage(), reference, host, null,
                    c.realm(), 0, e);
        }
    }

    private static String describe(Credential c) {
        if (c instanceof Credential.Basic b) {
            return "user " + b.username();
        }
        return c instanceof Credential.IdentityToken ? "identity token" : "anonymous request";
    }

    private static String basicHeader(Credential c) {
        if (c instanceof Credential.Basic b) {
            return Credentials.basic(b.username(), b.password(), StandardCharsets.UTF_8);
        }
        return null;
    }

    private static String tokenKey(String host, List<String> scopes) {
        return host + " " + String.join(" ", scopes);
    }
}
