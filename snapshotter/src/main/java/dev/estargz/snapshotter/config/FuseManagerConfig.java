package dev.estargz.snapshotter.config;

import com.fasterxml.jackson.annotation.JsonProperty;

/** {@code [fuse_manager]}: the reference's detached FUSE owner process. */
public record FuseManagerConfig(
        @JsonProperty("enable") boolean enable,
        @JsonProperty("address") String address,
        @JsonProperty("path") String path,
        @JsonProperty("metrics_address") String metricsAddress) {

    public static final FuseManagerConfig DEFAULTS =
            new FuseManagerConfig(false, "/run/containerd-stargz-grpc/fuse-manager.sock", "", "");
}
