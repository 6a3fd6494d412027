package dev.estargz.snapshotter.it;

import dev.estargz.snapshotter.model.Mount;
import dev.estargz.snapshotter.remote.NoRemoteLayers;
import dev.estargz.snapshotter.snapshot.OverlaySnapshotter;
import dev.estargz.snapshotter.snapshot.RemoteSnapshotEvents;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Child-process body for {@link StoreCrashIT}: prepares, fills and commits snapshots in a chain forever,
 * printing {@code committed <name>} only after commit returned, until it is killed.
 */
public final class CrashLoop {
    private CrashLoop() {
    }

    public static void main(String[] args) throws Exception {
        Path root = Path.of(args[0]);
        String round = args[1];
        String parent = args.length > 2 ? args[2] : "";
        OverlaySnapshotter sn = OverlaySnapshotter.open(root, new NoRemoteLayers(), RemoteSnapshotEvents.NONE);
        for (int i = 0; ; i++) {
            String name = round + "-c" + i;
            List<Mount> m = sn.prepare(round + "-a" + i, parent, Map.of("round", round));
            Files.writeString(upper(m.get(0)).resolve("f"), name);
            sn.commit(name, round + "-a" + i, Map.of("content", name));
            System.out.println("committed " + name);
            System.out.flush();
            parent = name;
        }
    }

    static Path upper(Mount m) {
        if (m.type().equals("bind")) {
            return Path.of(m.source());
        }
        return Path.of(m.options().stream().filter(o -> o.startsWith("upperdir=")).findFirst().orElseThrow()
                .substring("upperdir=".length()));
    }
}
