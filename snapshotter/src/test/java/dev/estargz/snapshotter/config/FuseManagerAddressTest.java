package dev.estargz.snapshotter.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class FuseManagerAddressTest {
    final Path defaultRoot = Path.of("/var/lib/containerd-stargz-grpc");

    @Test
    void theDefaultRootKeepsTheSystemWideManager() {
        assertEquals(Path.of(FuseManagerConfig.DEFAULT_ADDRESS),
                FuseManagerConfig.DEFAULTS.addressFor(Path.of("/var/lib/containerd-stargz-grpc/"), defaultRoot));
    }

    @Test
    void anotherRootGetsAManagerOfItsOwn() {
        assertEquals(Path.of("/tmp/bench-7/root/fuse-manager.sock"),
                FuseManagerConfig.DEFAULTS.addressFor(Path.of("/tmp/bench-7/root"), defaultRoot));
    }

    @Test
    void aConfiguredAddressIsKeptForAnyRoot() {
        FuseManagerConfig c = new FuseManagerConfig(true, "/run/mine/fm.sock", "", "");
        assertEquals(Path.of("/run/mine/fm.sock"), c.addressFor(Path.of("/tmp/other"), defaultRoot));
    }

    @Test
    void aRootTooDeepForASocketPathFallsBackToTheDefault() {
        Path deep = Path.of("/tmp/" + "d".repeat(120));
        assertEquals(Path.of(FuseManagerConfig.DEFAULT_ADDRESS), FuseManagerConfig.DEFAULTS.addressFor(deep, defaultRoot));
    }
}
