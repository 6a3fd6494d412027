package dev.estargz.snapshotter.config;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * {@code [fuse_manager]}: the detached process that owns the FUSE mounts. Unlike the reference, on by default:
 * running containers survive a crash, restart or upgrade of the daemon. {@code path} empty means this daemon's own
 * java and class path; {@code metrics_address} serves the {@code stargz_fs} layer metrics from the manager.
 */
public record FuseManagerConfig(
        @JsonProperty("enable") boolean enable,
        @JsonProperty("address") String address,
        @JsonProperty("path") String path,
        @JsonProperty("metrics_address") String metricsAddress) {

    public static final FuseManagerConfig DEFAULTS =
            new FuseManagerConfig(true, "/run/containerd-stargz-grpc/fuse-manager.sock", "", "");
}
