package dev.estargz.snapshotter.config;

import java.util.List;

/**
 * A parsed config with what the user should hear about it.
 *
 * @param config        the values, defaults filled in
 * @param unknownKeys   dotted keys the reference does not know (warned about, ignored)
 * @param inactiveKeys  dotted keys set in the file that this daemon accepts but does not act on yet
 */
public record LoadedConfig(DaemonConfig config, List<String> unknownKeys, List<String> inactiveKeys) {
    public LoadedConfig {
        unknownKeys = List.copyOf(unknownKeys);
        inactiveKeys = List.copyOf(inactiveKeys);
    }
}
