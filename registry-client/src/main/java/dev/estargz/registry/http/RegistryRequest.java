package dev.estargz.registry.http;

import okhttp3.Headers;
import okhttp3.HttpUrl;
import okhttp3.RequestBody;

import java.util.List;

/**
 * One logical registry request, replayable so it can be retried and re-authorised.
 *
 * @param method    HTTP method
 * @param url       absolute URL (usually from {@link Endpoint#url(String)}, or an upload Location)
 * @param headers   request headers besides auth and the endpoint's own
 * @param body      request body, or null; must be replayable (byte arrays and files are)
 * @param scopes    token scopes, e.g. {@code repository:a/b:pull}
 * @param retryable whether connection errors, 429 and 5xx may be retried (false for non-idempotent uploads)
 * @param streaming true for whole-blob transfers: the timeout then bounds each stall, not the whole call
 * @param reference what the request is about, for error messages
 * @param digest    the digest involved, for error messages; may be null
 */
public record RegistryRequest(String method, HttpUrl url, Headers headers, RequestBody body, List<String> scopes,
                              boolean retryable, boolean streaming, String reference, String digest) {
    public RegistryRequest {
        scopes = List.copyOf(scopes);
        headers = headers == null ? Headers.of() : headers;
    }

    /** A retryable, non-streaming GET. */
    public static RegistryRequest get(HttpUrl url, Headers headers, List<String> scopes, String reference, String digest) {
        return new RegistryRequest("GET", url, headers, null, scopes, true, false, reference, digest);
    }

    public RegistryRequest withHeaders(Headers h) {
        return new RegistryRequest(method, url, h, body, scopes, retryable, streaming, reference, digest);
    }

    public RegistryRequest withUrl(HttpUrl u) {
        return new RegistryRequest(method, u, headers, body, scopes, retryable, streaming, reference, digest);
    }
}
