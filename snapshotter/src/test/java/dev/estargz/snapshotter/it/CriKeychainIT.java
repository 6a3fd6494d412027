package dev.estargz.snapshotter.it;

import java.nio.file.Path;
import java.util.List;

/** {@link CriKeychainCases} with FUSE served by the daemon, which serves CRI on its own socket (the reference's way). */
class CriKeychainIT extends CriKeychainCases {
    @Override
    List<String> placement() {
        return List.of("[fuse_manager]", "enable = false");
    }

    @Override
    Path criSocket() {
        return stack.socket;
    }

    @Override
    Path keychainLog() {
        return stack.daemonLog;
    }
}
