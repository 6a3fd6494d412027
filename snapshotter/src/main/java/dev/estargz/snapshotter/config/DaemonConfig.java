package dev.estargz.snapshotter.config;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The reference's config.toml (containerd-stargz-grpc), every key with the reference's default
 * (REFERENCE.md §3.2), plus our {@code [cache]} limits. Keys are the TOML names; tables are nested records.
 */
public record DaemonConfig(
        @JsonProperty("metrics_address") String metricsAddress,
        @JsonProperty("no_prometheus") boolean noPrometheus,
        @JsonProperty("debug_address") String debugAddress,
        @JsonProperty("ipfs") boolean ipfs,
        @JsonProperty("metadata_store") String metadataStore,
        @JsonProperty("http_cache_type") String httpCacheType,
        @JsonProperty("filesystem_cache_type") String filesystemCacheType,
        @JsonProperty("resolve_result_entry_ttl_sec") long resolveResultEntryTtlSec,
        @JsonProperty("resolve_result_entry") long resolveResultEntry,
        @JsonProperty("prefetch_size") long prefetchSize,
        @JsonProperty("prefetch_timeout_sec") long prefetchTimeoutSec,
        @JsonProperty("prefetch_async_size") long prefetchAsyncSize,
        @JsonProperty("noprefetch") boolean noPrefetch,
        @JsonProperty("no_background_fetch") boolean noBackgroundFetch,
        @JsonProperty("debug") boolean debug,
        @JsonProperty("allow_no_verification") boolean allowNoVerification,
        @JsonProperty("disable_verification") boolean disableVerification,
        @JsonProperty("max_concurrency") long maxConcurrency,
        @JsonProperty("log_file_access") boolean logFileAccess,
        @JsonProperty("blob") BlobConfig blob,
        @JsonProperty("directory_cache") DirectoryCacheConfig directoryCache,
        @JsonProperty("fuse") FuseConfig fuse,
        @JsonProperty("kubeconfig_keychain") KubeconfigKeychainConfig kubeconfigKeychain,
        @JsonProperty("cri_keychain") CriKeychainConfig criKeychain,
        @JsonProperty("resolver") ResolverConfig resolver,
        @JsonProperty("snapshotter") SnapshotConfig snapshotter,
        @JsonProperty("fuse_manager") FuseManagerConfig fuseManager,
        @JsonProperty("cache") CacheConfig cache) {

    /** The reference's defaults (an empty or absent config file). */
    public static final DaemonConfig DEFAULTS = new DaemonConfig("", false, "", false, "memory", "", "", 120, 0,
            0, 10, 0, false, false, false, false, false, 2, false, BlobConfig.DEFAULTS,
            DirectoryCacheConfig.DEFAULTS, FuseConfig.DEFAULTS, KubeconfigKeychainConfig.DEFAULTS,
            CriKeychainConfig.DEFAULTS, ResolverConfig.DEFAULTS, SnapshotConfig.DEFAULTS, FuseManagerConfig.DEFAULTS,
            CacheConfig.DEFAULTS);
}
