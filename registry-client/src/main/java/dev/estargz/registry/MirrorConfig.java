package dev.estargz.registry;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * One {@code [[resolver.host."h".mirrors]]} entry of the reference's config: tried in order before the upstream
 * host, for pulls only.
 *
 * @param host              {@code host[:port]} of the mirror
 * @param insecure          true to use plain HTTP (the reference's meaning of {@code insecure})
 * @param requestTimeoutSec 0 means the global timeout, negative means none, as in the reference
 * @param header            extra request headers; never forwarded to another host on redirect
 */
public record MirrorConfig(String host, boolean insecure, int requestTimeoutSec, Map<String, List<String>> header) {
    public MirrorConfig {
        if (host == null || host.isBlank() || host.contains("/")) {
            throw new IllegalArgumentException("mirror host must be host[:port], got: " + host);
        }
        header = copyHeaders(header);
    }

    /** A mirror with default timeout and no headers. */
    public MirrorConfig(String host, boolean insecure) {
        this(host, insecure, 0, Map.of());
    }

    /** The timeout to apply, or null for none. */
    public Duration effectiveTimeout(Duration global) {
        if (requestTimeoutSec < 0) {
            return null;
        }
        return requestTimeoutSec == 0 ? global : Duration.ofSeconds(requestTimeoutSec);
    }

    static Map<String, List<String>> copyHeaders(Map<String, List<String>> h) {
        if (h == null) {
            return Map.of();
        }
        var out = new java.util.LinkedHashMap<String, List<String>>();
        h.forEach((k, v) -> out.put(k, List.copyOf(v)));
        return java.util.Collections.unmodifiableMap(out);
    }
}
