package dev.estargz.registry.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.estargz.registry.RegistryException;
import dev.estargz.registry.RegistryException.Kind;
import dev.estargz.registry.auth.AuthChallenge;
import okhttp3.Response;
import okhttp3.ResponseBody;

import java.io.IOException;

/** Turns a registry's error response (status + OCI error JSON) into a typed {@link RegistryException}. */
final class RegistryErrors {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_ERROR_BODY = 16 * 1024;

    private RegistryErrors() {
    }

    static RegistryException from(Endpoint ep, RegistryRequest req, Response r) {
        String codes = "";
        String detail = "";
        try (ResponseBody body = r.body()) {
            if (body != null && !"HEAD".equals(req.method())) {
                byte[] bytes = body.source().peek().readByteArray(Math.min(MAX_ERROR_BODY,
                        Math.max(0, body.contentLength() < 0 ? MAX_ERROR_BODY : body.contentLength())));
                JsonNode errors = JSON.readTree(bytes).path("errors");
                StringBuilder sb = new StringBuilder();
                StringBuilder cs = new StringBuilder();
                for (JsonNode e : errors) {
                    cs.append(e.path("code").asText()).append(' ');
                    sb.append(sb.length() > 0 ? "; " : "").append(e.path("code").asText()).append(": ")
                            .append(e.path("message").asText());
                }
                codes = cs.toString();
                detail = sb.length() > 300 ? sb.substring(0, 300) + "…" : sb.toString();
            }
        } catch (IOException | RuntimeException e) {
            // A body that is not OCI error JSON still leaves the status to go by.
            detail = "";
        }
        if (detail.isEmpty()) {
            detail = req.method() + " " + redacted(r.request().url()) + " answered " + r.code();
        }
        String realm = null;
        Kind kind;
        int s = r.code();
        if (s == 401 || codes.contains("UNAUTHORIZED")) {
            kind = Kind.UNAUTHORIZED;
            realm = AuthChallenge.parse(r.headers("WWW-Authenticate")).stream().map(AuthChallenge::realm)
                    .filter(x -> x != null).findFirst().orElse(null);
        } else if (s == 403 || codes.contains("DENIED")) {
            kind = Kind.DENIED;
        } else if (s == 404 || codes.contains("_UNKNOWN")) {
            kind = Kind.NOT_FOUND;
        } else if (s == 429 || codes.contains("TOOMANYREQUESTS")) {
            kind = Kind.TOO_MANY_REQUESTS;
        } else if (s >= 500) {
            kind = Kind.SERVER_ERROR;
        } else {
            kind = Kind.REJECTED;
        }
        return new RegistryException(kind, detail, req.reference(), ep.host(), req.digest(), realm, s, null);
    }

    /** scheme://host/path only: query strings of redirect targets can carry signatures. */
    static String redacted(okhttp3.HttpUrl url) {
        return url.scheme() + "://" + url.host() + ":" + url.port() + url.encodedPath();
    }
}
