package dev.estargz.fusefs.testing;

import dev.estargz.fusefs.fuse.FuseMount;
import dev.estargz.fusefs.fuse.MountTable;
import dev.estargz.registry.BlobSource;
import dev.estargz.registry.RegistryClient;
import dev.estargz.registry.reference.ImageReference;
import dev.estargz.testkit.RegistryProcess;
import java.io.IOException;
import java.nio.file.Path;

/** Fixtures shared by the mount tests: pushing a layer to a real registry, and unmounting whatever is left. */
public final class Mounts {
    private Mounts() {
    }

    /** Pushes the layer's blob to {@code repo} of the registry and opens it for ranged reads. */
    public static BlobSource push(RegistryProcess registry, RegistryClient client, String repo, TestLayer layer)
            throws IOException {
        ImageReference ref = registry.ref(repo + ":latest");
        try (BlobSource content = dev.estargz.registry.FileBlobSource.open(layer.blob())) {
            client.pushBlob(ref, layer.blobDigest(), content, null);
        }
        return client.openBlob(ref, layer.blobDigest());
    }

    /** Last resort after a test: lazily unmounts anything still mounted at or below {@code dir}. */
    public static void unmountAllUnder(Path dir) {
        try {
            Path base = dir.toAbsolutePath().normalize();
            java.util.List<MountTable.Entry> all = new java.util.ArrayList<>(MountTable.read());
            java.util.Collections.reverse(all);
            for (MountTable.Entry e : all) {
                if (e.mountPoint().startsWith(base)) {
                    if (e.fsType().startsWith("fuse")) {
                        FuseMount.forceUnmount(e.mountPoint());
                    } else {
                        Sh.run(null, "umount", "-l", e.mountPoint().toString());
                    }
                }
            }
        } catch (IOException e) {
            System.err.println("cleanup: " + e);
        }
    }
}
