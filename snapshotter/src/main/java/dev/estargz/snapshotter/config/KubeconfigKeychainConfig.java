package dev.estargz.snapshotter.config;

import com.fasterxml.jackson.annotation.JsonProperty;

/** {@code [kubeconfig_keychain]}: registry credentials from Kubernetes secrets. */
public record KubeconfigKeychainConfig(
        @JsonProperty("enable_keychain") boolean enableKeychain,
        @JsonProperty("kubeconfig_path") String kubeconfigPath) {

    public static final KubeconfigKeychainConfig DEFAULTS = new KubeconfigKeychainConfig(false, "");
}
