package dev.estargz.snapshotter.config;

import com.fasterxml.jackson.annotation.JsonProperty;

/** {@code [cri_keychain]}: registry credentials captured by proxying the CRI image service. */
public record CriKeychainConfig(
        @JsonProperty("enable_keychain") boolean enableKeychain,
        @JsonProperty("image_service_path") String imageServicePath,
        @JsonProperty("listen_path") String listenPath) {

    public static final CriKeychainConfig DEFAULTS =
            new CriKeychainConfig(false, "/run/containerd/containerd.sock", "");
}
