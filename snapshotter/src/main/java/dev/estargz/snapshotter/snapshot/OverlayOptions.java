package dev.estargz.snapshotter.snapshot;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Host-dependent overlay options, detected as containerd's overlay snapshotter does:
 * {@code index=off} when the kernel has the overlay index parameter, {@code userxattr} inside a user namespace.
 */
record OverlayOptions(boolean indexOff, boolean userxattr) {

    static OverlayOptions detect() {
        return new OverlayOptions(Files.exists(Path.of("/sys/module/overlay/parameters/index")), inUserNamespace());
    }

    private static boolean inUserNamespace() {
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/self/uid_map"));
            // the initial namespace maps the whole uid range: "0 0 4294967295"
            return !(lines.size() == 1 && lines.get(0).trim().split("\\s+").length == 3
                    && lines.get(0).trim().split("\\s+")[2].equals("4294967295"));
        } catch (IOException e) {
            return false;
        }
    }
}
