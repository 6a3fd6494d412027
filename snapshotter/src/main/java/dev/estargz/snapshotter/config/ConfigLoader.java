package dev.estargz.snapshotter.config;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads config.toml: the user's values are laid over {@link DaemonConfig#DEFAULTS}, keys the reference does not
 * know are reported (not fatal, as with the reference's TOML decoder), and keys that do not act yet are listed.
 */
public final class ConfigLoader {
    /** The reference's default config path, the only one allowed to be missing. */
    public static final Path DEFAULT_PATH = Path.of("/etc/containerd-stargz-grpc/config.toml");

    /** Keys this daemon acts on today; every other known key is accepted and reported as not yet in effect. */
    private static final Set<String> IN_EFFECT = Set.of("metrics_address", "no_prometheus",
            "snapshotter.allow_invalid_mounts_on_restart", "prefetch_size", "prefetch_timeout_sec", "noprefetch",
            "no_background_fetch", "allow_no_verification", "disable_verification", "filesystem_cache_type",
            "max_concurrency", "resolve_result_entry_ttl_sec", "blob.chunk_size", "blob.fetching_timeout_sec", "blob.valid_interval", "blob.check_always",
            "blob.force_single_range_mode", "blob.max_retries", "blob.min_wait_msec", "blob.max_wait_msec",
            "fuse.attr_timeout", "fuse.entry_timeout", "resolver.request_timeout_sec", "resolver.host",
            "cache.max_disk_bytes", "cache.max_memory_bytes", "fuse_manager.enable", "fuse_manager.address",
            "fuse_manager.path", "fuse_manager.metrics_address", "cri_keychain.enable_keychain",
            "cri_keychain.image_service_path", "cri_keychain.listen_path");

    /** Tables whose keys are names chosen by the user, not fixed keys. */
    private static final Set<String> FREE_FORM = Set.of("resolver.host");

    private final ObjectMapper toml = TomlMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

    /** Loads {@code file}; a missing file yields the defaults only when it is {@link #DEFAULT_PATH}. */
    public LoadedConfig load(Path file) throws ConfigException {
        return load(file, DEFAULT_PATH);
    }

    /**
     * Loads {@code file}; a missing file yields the defaults only when it is {@code defaultPath} (the command's own
     * default, which need not exist), as the reference's commands do.
     */
    public LoadedConfig load(Path file, Path defaultPath) throws ConfigException {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            if (file.equals(defaultPath)) {
                return new LoadedConfig(DaemonConfig.DEFAULTS, List.of(), List.of());
            }
            throw new ConfigException(file, "file does not exist", e);
        } catch (IOException e) {
            throw new ConfigException(file, "cannot read: " + e.getMessage(), e);
        }
        return parse(file, text);
    }

    /** Parses config text; {@code file} only names the source in errors. */
    public LoadedConfig parse(Path file, String text) throws ConfigException {
        JsonNode user;
        try {
            user = toml.readTree(text);
        } catch (IOException e) {
            throw new ConfigException(file, "invalid TOML: " + message(e), e);
        }
        if (user == null || user.isMissingNode()) {
            user = toml.createObjectNode();
        }
        ObjectNode merged = toml.valueToTree(DaemonConfig.DEFAULTS);
        List<String> unknown = new ArrayList<>();
        List<String> inactive = new ArrayList<>();
        merge(merged, user, "", unknown, inactive);
        try {
            return new LoadedConfig(toml.treeToValue(merged, DaemonConfig.class), unknown, inactive);
        } catch (IOException e) {
            throw new ConfigException(file, "bad value: " + message(e), e);
        }
    }

    private static String message(IOException e) {
        return e instanceof com.fasterxml.jackson.core.JacksonException je ? je.getOriginalMessage() : e.getMessage();
    }

    private void merge(ObjectNode target, JsonNode user, String prefix, List<String> unknown, List<String> inactive) {
        Iterator<Map.Entry<String, JsonNode>> it = user.fields();
        while (it.hasNext()) {
            var e = it.next();
            String path = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
            JsonNode known = target.get(e.getKey());
            if (known == null) {
                unknown.add(path);
                continue;
            }
            if (FREE_FORM.contains(path) || !(known.isObject() && e.getValue().isObject())) {
                target.set(e.getKey(), e.getValue());
                if (!IN_EFFECT.contains(path)) {
                    inactive.add(path);
                }
            } else {
                merge((ObjectNode) known, e.getValue(), path, unknown, inactive);
            }
        }
    }
}
