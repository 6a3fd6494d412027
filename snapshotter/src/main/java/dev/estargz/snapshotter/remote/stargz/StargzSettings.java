package dev.estargz.snapshotter.remote.stargz;

import dev.estargz.fusefs.cache.CacheOptions;
import dev.estargz.fusefs.fetch.FetchOptions;
import dev.estargz.fusefs.fuse.FuseMount;
import dev.estargz.fusefs.index.OverlayOpaque;
import dev.estargz.fusefs.mount.FsOptions;
import dev.estargz.registry.HostConfig;
import dev.estargz.registry.MirrorConfig;
import dev.estargz.registry.RegistryConfig;
import dev.estargz.registry.auth.CredentialStore;
import dev.estargz.registry.auth.DockerConfigCredentials;
import dev.estargz.snapshotter.config.BlobConfig;
import dev.estargz.snapshotter.config.DaemonConfig;
import dev.estargz.snapshotter.config.ResolverConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The reference's config.toml keys turned into fuse-fs and registry-client options: the one place that says
 * which key acts on what.
 */
public final class StargzSettings {
    /** The reference's default {@code [blob] chunk_size}; our fetcher coalesces up to a larger window instead. */
    private static final long REFERENCE_CHUNK_SIZE = 50_000;

    private StargzSettings() {
    }

    /**
     * How layers are served: {@code prefetch_size}, {@code noprefetch}, {@code no_background_fetch},
     * {@code [blob] fetching_timeout_sec} (how long a read waits for the registry before EIO) and
     * {@code chunk_size} (the size of one read-ahead request; the reference's 50000 default keeps our
     * 512 KiB window), {@code [fuse] attr_timeout}/{@code entry_timeout} (0 means 1 s).
     */
    public static FsOptions fsOptions(DaemonConfig c) {
        BlobConfig b = c.blob();
        FetchOptions fetch = FetchOptions.defaults()
                .withTimeout(Duration.ofSeconds(b.fetchingTimeoutSec() > 0 ? b.fetchingTimeoutSec() : 300));
        if (b.chunkSize() > 0 && b.chunkSize() != REFERENCE_CHUNK_SIZE) {
            fetch = fetch.withWindow((int) Math.min(b.chunkSize(), 64L << 20));
        }
        FuseMount.Options fuse = new FuseMount.Options(seconds(c.fuse().attrTimeout()),
                seconds(c.fuse().entryTimeout()), true);
        return new FsOptions(fetch, Math.max(0, c.prefetchSize()), c.noPrefetch(), c.noBackgroundFetch(), 0, fuse,
                OverlayOpaque.TRUSTED);
    }

    private static Duration seconds(long s) {
        return Duration.ofSeconds(s > 0 ? s : 1);
    }

    /**
     * The shared chunk cache: on disk under {@code <root>/stargz/fscache} bounded by {@code [cache] max_disk_bytes}
     * with {@code max_memory_bytes} on the heap, or memory only with {@code filesystem_cache_type = "memory"}.
     */
    public static CacheOptions cacheOptions(DaemonConfig c, Path root) {
        if ("memory".equals(c.filesystemCacheType())) {
            return CacheOptions.memoryOnly(c.cache().maxMemoryBytes());
        }
        return CacheOptions.onDisk(root.resolve("stargz").resolve("fscache"))
                .withDiskBytes(c.cache().maxDiskBytes()).withMemoryBytes(c.cache().maxMemoryBytes());
    }

    /**
     * The registry client: {@code [resolver]} request timeout and per-host mirrors, {@code [blob]} retries and
     * backoff and single-range mode, credentials from the docker config ({@code $DOCKER_CONFIG} or
     * {@code ~/.docker/config.json}, with credential helpers). Loopback registries are plain HTTP.
     */
    public static RegistryConfig registryConfig(DaemonConfig c) {
        return registryConfig(c, CredentialStore.anonymous());
    }

    /**
     * As {@link #registryConfig(DaemonConfig)}, asking {@code more} (the CRI keychain) when the docker config has
     * no credential: the reference's order of keychains.
     */
    public static RegistryConfig registryConfig(DaemonConfig c, CredentialStore more) {
        BlobConfig b = c.blob();
        Duration timeout = Duration.ofSeconds(c.resolver().requestTimeoutSec() > 0 ? c.resolver().requestTimeoutSec()
                : 30);
        Duration minWait = Duration.ofMillis(Math.max(0, b.minWaitMsec()));
        Duration maxWait = Duration.ofMillis(Math.max(b.minWaitMsec(), b.maxWaitMsec()));
        RegistryConfig.Builder r = RegistryConfig.builder()
                .credentials(DockerConfigCredentials.fromEnvironment().orElse(more))
                .requestTimeout(timeout)
                .stallTimeout(timeout.compareTo(Duration.ofSeconds(10)) < 0 ? timeout : Duration.ofSeconds(10))
                .maxRetries(Math.max(0, b.maxRetries()))
                .backoff(minWait, maxWait)
                .forceSingleRange(b.forceSingleRangeMode())
                .userAgent("estargz-snapshotter");
        for (Map.Entry<String, ResolverConfig.HostConfig> h : c.resolver().host().entrySet()) {
            List<MirrorConfig> mirrors = new ArrayList<>();
            for (ResolverConfig.MirrorConfig m : h.getValue().mirrors()) {
                mirrors.add(new MirrorConfig(m.host(), m.insecure(), (int) m.requestTimeoutSec(), headers(m.header())));
            }
            r.host(h.getKey(), HostConfig.DEFAULT.withMirrors(mirrors));
        }
        return r.build();
    }

    /** TOML header values are a string or a list of strings. */
    private static Map<String, List<String>> headers(Map<String, Object> raw) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        raw.forEach((k, v) -> {
            if (v instanceof List<?> l) {
                out.put(k, l.stream().map(String::valueOf).toList());
            } else {
                out.put(k, List.of(String.valueOf(v)));
            }
        });
        return out;
    }
}
