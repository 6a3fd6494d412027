package dev.estargz.registry;

import dev.estargz.registry.auth.CredentialStore;

import java.time.Duration;
import java.util.Map;

/**
 * Everything a {@link RegistryClient} needs to know, immutable; build it with {@link #builder()}.
 *
 * @param hosts              per-host settings keyed by the registry name in references (mirrors, plain HTTP, CA)
 * @param plainHttp          talk plain HTTP to every host (the CLI's {@code --plain-http}); loopback always does
 * @param credentials        where usernames, passwords and identity tokens come from
 * @param requestTimeout     bound on one request including its retries (the reference's
 *                           {@code request_timeout_sec}); whole-blob streams are not bounded by it, only by
 *                           {@code stallTimeout}, so a big download is not cut off while it makes progress
 * @param stallTimeout       longest wait for the next bytes of a response before the attempt is abandoned
 *                           (and retried); never longer than {@code requestTimeout}
 * @param connectTimeout     TCP + TLS connect timeout
 * @param maxRetries         retries after the first attempt on connection errors, 429 and 5xx
 * @param minBackoff         first backoff; each retry doubles it, with full jitter
 * @param maxBackoff         cap of one backoff
 * @param chunkedUploadSize  blobs larger than this are uploaded in PATCH chunks of this size; 0 = monolithic
 * @param rangeCoalesceGap   ranges closer than this many bytes are fetched as one range
 * @param maxRangesPerRequest cap on ranges in one multi-range request (header length)
 * @param forceSingleRange   never send multi-range requests (the reference's {@code force_single_range_mode})
 * @param userAgent          User-Agent header
 */
public record RegistryConfig(Map<String, HostConfig> hosts, boolean plainHttp, CredentialStore credentials,
                             Duration requestTimeout, Duration stallTimeout, Duration connectTimeout, int maxRetries, Duration minBackoff,
                             Duration maxBackoff, long chunkedUploadSize, long rangeCoalesceGap,
                             int maxRangesPerRequest, boolean forceSingleRange, String userAgent) {
    public RegistryConfig {
        hosts = Map.copyOf(hosts);
        if (credentials == null) {
            throw new IllegalArgumentException("credentials must not be null (use CredentialStore.anonymous())");
        }
        if (requestTimeout.isNegative() || stallTimeout.isNegative() || connectTimeout.isNegative() || maxRetries < 0 || minBackoff.isNegative()
                || maxBackoff.compareTo(minBackoff) < 0 || chunkedUploadSize < 0 || rangeCoalesceGap < 0
                || maxRangesPerRequest < 1) {
            throw new IllegalArgumentException("invalid registry client configuration: " + this);
        }
    }

    /** A builder starting from the defaults (the reference's where it has one). */
    public static Builder builder() {
        return new Builder();
    }

    /** The settings for {@code registry}, or the defaults. */
    public HostConfig host(String registry) {
        return hosts.getOrDefault(registry, HostConfig.DEFAULT);
    }

    /** A builder initialised from this configuration. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.hosts.putAll(hosts);
        b.plainHttp = plainHttp;
        b.credentials = credentials;
        b.requestTimeout = requestTimeout;
        b.stallTimeout = stallTimeout;
        b.connectTimeout = connectTimeout;
        b.maxRetries = maxRetries;
        b.minBackoff = minBackoff;
        b.maxBackoff = maxBackoff;
        b.chunkedUploadSize = chunkedUploadSize;
        b.rangeCoalesceGap = rangeCoalesceGap;
        b.maxRangesPerRequest = maxRangesPerRequest;
        b.forceSingleRange = forceSingleRange;
        b.userAgent = userAgent;
        return b;
    }

    /** Mutable builder for {@link RegistryConfig}. */
    public static final class Builder {
        private final Map<String, HostConfig> hosts = new java.util.LinkedHashMap<>();
        private boolean plainHttp;
        private CredentialStore credentials = CredentialStore.anonymous();
        private Duration requestTimeout = Duration.ofSeconds(30);
        private Duration stallTimeout = Duration.ofSeconds(10);
        private Duration connectTimeout = Duration.ofSeconds(10);
        private int maxRetries = 5;
        private Duration minBackoff = Duration.ofMillis(30);
        private Duration maxBackoff = Duration.ofSeconds(10);
        private long chunkedUploadSize;
        private long rangeCoalesceGap = 0;
        private int maxRangesPerRequest = 64;
        private boolean forceSingleRange;
        private String userAgent = "estargz-java/0.1";

        private Builder() {
        }

        public Builder host(String registry, HostConfig config) {
            hosts.put(registry, config);
            return this;
        }

        public Builder plainHttp(boolean v) {
            plainHttp = v;
            return this;
        }

        public Builder credentials(CredentialStore v) {
            credentials = v;
            return this;
        }

        public Builder requestTimeout(Duration v) {
            requestTimeout = v;
            return this;
        }

        public Builder stallTimeout(Duration v) {
            stallTimeout = v;
            return this;
        }

        public Builder connectTimeout(Duration v) {
            connectTimeout = v;
            return this;
        }

        public Builder maxRetries(int v) {
            maxRetries = v;
            return this;
        }

        public Builder backoff(Duration min, Duration max) {
            minBackoff = min;
            maxBackoff = max;
            return this;
        }

        public Builder chunkedUploadSize(long v) {
            chunkedUploadSize = v;
            return this;
        }

        public Builder rangeCoalesceGap(long v) {
            rangeCoalesceGap = v;
            return this;
        }

        public Builder maxRangesPerRequest(int v) {
            maxRangesPerRequest = v;
            return this;
        }

        public Builder forceSingleRange(boolean v) {
            forceSingleRange = v;
            return this;
        }

        public Builder userAgent(String v) {
            userAgent = v;
            return this;
        }

        public RegistryConfig build() {
            return new RegistryConfig(hosts, plainHttp, credentials, requestTimeout, stallTimeout, connectTimeout, maxRetries,
                    minBackoff, maxBackoff, chunkedUploadSize, rangeCoalesceGap, maxRangesPerRequest,
                    forceSingleRange, userAgent);
        }
    }
}
