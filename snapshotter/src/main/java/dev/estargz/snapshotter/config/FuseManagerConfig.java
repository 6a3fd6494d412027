package dev.estargz.snapshotter.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.nio.file.Path;

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

    /** The system-wide manager's socket, for the daemon of the default root. */
    public static final String DEFAULT_ADDRESS = "/run/containerd-stargz-grpc/fuse-manager.sock";
    /** Longest unix socket path the kernel takes (sun_path is 108 bytes with its NUL). */
    private static final int MAX_SOCKET_PATH = 107;

    public static final FuseManagerConfig DEFAULTS = new FuseManagerConfig(true, DEFAULT_ADDRESS, "", "");

    /**
     * The manager's socket for a daemon of {@code root}: {@code address} as configured, except that a daemon of
     * another root than {@code defaultRoot} (a second instance, a benchmark, a test) left at the default address
     * gets a manager of its own, {@code <root>/fuse-manager.sock}, instead of sharing the system-wide one (whose
     * manager would refuse it for serving another root). Falls back to the default when that path is too long.
     */
    public Path addressFor(Path root, Path defaultRoot) {
        if (!DEFAULT_ADDRESS.equals(address)
                || root.toAbsolutePath().normalize().equals(defaultRoot.toAbsolutePath().normalize())) {
            return Path.of(address);
        }
        Path own = root.toAbsolutePath().normalize().resolve("fuse-manager.sock");
        return own.toString().length() <= MAX_SOCKET_PATH ? own : Path.of(address);
    }
}
