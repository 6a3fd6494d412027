package dev.estargz.snapshotter.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A one-layer busybox image (from busybox-static) as an OCI layout built with umoci, cached outside the repo
 * under ~/.cache/estargz-test/snapshotter, and pushed to a test registry with skopeo.
 */
final class BusyboxImage {
    private BusyboxImage() {
    }

    static Path layout() throws IOException {
        Path cache = Path.of(System.getProperty("user.home"), ".cache", "estargz-test", "snapshotter");
        Path layout = cache.resolve("busybox-oci");
        if (Files.exists(layout.resolve("index.json"))) {
            return layout;
        }
        Files.createDirectories(cache);
        Path work = Files.createTempDirectory(cache, "build-");
        Path tmpLayout = work.resolve("oci");
        Path bundle = work.resolve("bundle");
        Run.check(List.of("umoci", "init", "--layout", tmpLayout.toString()));
        Run.check(List.of("umoci", "new", "--image", tmpLayout + ":b"));
        Run.check(List.of("umoci", "unpack", "--image", tmpLayout + ":b", bundle.toString()));
        Path bin = Files.createDirectories(bundle.resolve("rootfs/bin"));
        Files.copy(Path.of("/bin/busybox"), bin.resolve("busybox"));
        for (String applet : List.of("sh", "echo", "cat", "sleep", "ls")) {
            Files.createSymbolicLink(bin.resolve(applet), Path.of("busybox"));
        }
        Files.createDirectories(bundle.resolve("rootfs/etc"));
        Files.writeString(bundle.resolve("rootfs/etc/hostname"), "estargz-busybox\n");
        Run.check(List.of("umoci", "repack", "--image", tmpLayout + ":b", bundle.toString()));
        Run.check(List.of("umoci", "config", "--image", tmpLayout + ":b", "--config.cmd", "sh"));
        Files.move(tmpLayout, layout);
        Run.of(List.of("rm", "-rf", work.toString()));
        return layout;
    }

    /** Pushes the image to {@code registryHost} (plain HTTP) as {@code repo:tag}; returns the reference. */
    static String push(String registryHost, String repoAndTag) throws IOException {
        String ref = registryHost + "/" + repoAndTag;
        Run.check(List.of("skopeo", "copy", "--dest-tls-verify=false", "oci:" + layout() + ":b", "docker://" + ref));
        return ref;
    }
}
