package dev.estargz.registry.http;

import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * One place a repository can be reached: a mirror or the upstream registry, with its scheme, headers, timeout,
 * TLS trust (inside {@code client}) and the name its credentials are stored under.
 *
 * @param host          {@code host[:port]} requests go to
 * @param plainHttp     true for http, false for https
 * @param mirror        true for a mirror (pull only)
 * @param headers       extra headers for this host only
 * @param timeout       per-request bound, or null for none
 * @param credentialKey registry name to look credentials up under
 * @param repository    the repository the requests are for (credentials can be kept per image)
 * @param client        the HTTP client for this host (shares the connection pool of all endpoints)
 */
public record Endpoint(String host, boolean plainHttp, boolean mirror, Map<String, List<String>> headers,
                       Duration timeout, String credentialKey, String repository,
                       OkHttpClient client) {
    /** {@code scheme://host/v2/<path>} */
    public HttpUrl url(String path) {
        HttpUrl base = HttpUrl.parse((plainHttp ? "http://" : "https://") + host + "/v2/");
        if (base == null) {
            throw new IllegalArgumentException("invalid registry host: " + host);
        }
        return base.resolve(path);
    }

    @Override
    public String toString() {
        return (plainHttp ? "http://" : "https://") + host + (mirror ? " (mirror)" : "");
    }
}
