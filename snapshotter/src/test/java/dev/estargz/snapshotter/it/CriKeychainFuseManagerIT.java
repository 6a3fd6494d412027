package dev.estargz.snapshotter.it;

import java.nio.file.Path;
import java.util.List;

/**
 * {@link CriKeychainCases} with the fuse manager (the default) reading the layers: it serves CRI on
 * {@code [cri_keychain] listen_path} and keeps the pull secrets itself.
 */
class CriKeychainFuseManagerIT extends CriKeychainCases {
    @Override
    List<String> placement() {
        return List.of("listen_path = \"" + criSocket() + "\"", "[fuse_manager]",
                "address = \"" + stack.managerSocket + "\"");
    }

    @Override
    Path criSocket() {
        return stack.dir.resolve("cri.sock");
    }

    @Override
    Path keychainLog() {
        return stack.root.resolve("stargz-fuse-manager.log");
    }
}
