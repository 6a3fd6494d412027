package dev.estargz.snapshotter.snapshot;

import dev.estargz.snapshotter.model.Kind;
import dev.estargz.snapshotter.model.Mount;
import dev.estargz.snapshotter.store.SnapshotChain;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/** Builds the mounts of a snapshot exactly as containerd's overlay snapshotter does (same types, options, order). */
final class OverlayMounts {
    private final SnapshotDirectories dirs;
    private final OverlayOptions host;

    OverlayMounts(SnapshotDirectories dirs, OverlayOptions host) {
        this.dirs = dirs;
        this.host = host;
    }

    List<Mount> of(SnapshotChain s) {
        if (s.parentIds().isEmpty()) {
            // a single layer cannot be an overlay: bind its own directory
            String ro = s.kind() == Kind.VIEW ? "ro" : "rw";
            return List.of(new Mount("bind", dirs.upper(s.id()).toString(), List.of(ro, "rbind")));
        }
        List<String> options = new ArrayList<>();
        if (host.indexOff()) {
            options.add("index=off");
        }
        if (host.userxattr()) {
            options.add("userxattr");
        }
        if (s.kind() == Kind.ACTIVE) {
            options.add("workdir=" + dirs.work(s.id()));
            options.add("upperdir=" + dirs.upper(s.id()));
        } else if (s.parentIds().size() == 1) {
            return List.of(new Mount("bind", dirs.upper(s.parentIds().get(0)).toString(), List.of("ro", "rbind")));
        }
        options.add("lowerdir=" + s.parentIds().stream().map(id -> dirs.upper(id).toString())
                .collect(Collectors.joining(":")));
        return List.of(new Mount("overlay", "overlay", options));
    }
}
