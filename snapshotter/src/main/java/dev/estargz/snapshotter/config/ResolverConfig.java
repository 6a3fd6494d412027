package dev.estargz.snapshotter.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/** {@code [resolver]}: global request timeout and per-host mirrors ({@code [[resolver.host."h".mirrors]]}). */
public record ResolverConfig(
        @JsonProperty("request_timeout_sec") long requestTimeoutSec,
        @JsonProperty("host") Map<String, HostConfig> host) {

    public static final ResolverConfig DEFAULTS = new ResolverConfig(30, Map.of());

    public ResolverConfig {
        host = host == null ? Map.of() : Map.copyOf(host);
    }

    /** One registry host's mirrors, tried in order. */
    public record HostConfig(@JsonProperty("mirrors") List<MirrorConfig> mirrors) {
        public HostConfig {
            mirrors = mirrors == null ? List.of() : List.copyOf(mirrors);
        }
    }

    /**
     * A mirror; {@code request_timeout_sec} 0 means the global value, below 0 none. Header values are a
     * string or a list of strings.
     */
    public record MirrorConfig(
            @JsonProperty("host") String host,
            @JsonProperty("insecure") boolean insecure,
            @JsonProperty("request_timeout_sec") long requestTimeoutSec,
            @JsonProperty("header") Map<String, Object> header) {
        public MirrorConfig {
            header = header == null ? Map.of() : Map.copyOf(header);
        }
    }
}
