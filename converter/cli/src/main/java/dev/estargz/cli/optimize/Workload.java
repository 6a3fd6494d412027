package dev.estargz.cli.optimize;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What to run while profiling: the image config's entrypoint, command, environment, working directory and user,
 * with the overrides given on the command line applied as {@code docker run} applies them (a new entrypoint drops
 * the image's command unless arguments are given too).
 */
public record Workload(List<String> args, List<String> env, String cwd, int uid, int gid) {
    private static final String DEFAULT_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    public Workload {
        args = List.copyOf(args);
        env = List.copyOf(env);
        if (args.isEmpty()) {
            throw new IllegalArgumentException("nothing to run: the image has no entrypoint or command; give --args");
        }
    }

    /**
     * @param config      the image config JSON
     * @param entrypoint  null to keep the image's
     * @param args        null to keep the image's command
     * @param extraEnv    {@code KEY=VALUE} entries that replace or add to the image's
     * @param cwd         null to keep the image's working directory
     * @param user        null to keep the image's user ({@code uid[:gid]} or a name in the rootfs's passwd)
     * @param rootfs      the mounted image, to resolve user names
     */
    public static Workload of(JsonNode config, List<String> entrypoint, List<String> args, List<String> extraEnv,
            String cwd, String user, Path rootfs) {
        JsonNode c = config.path("config");
        List<String> run = new ArrayList<>(entrypoint != null ? entrypoint : strings(c.path("Entrypoint")));
        if (args != null) {
            run.addAll(args);
        } else if (entrypoint == null) {
            run.addAll(strings(c.path("Cmd")));
        }
        Map<String, String> env = new LinkedHashMap<>();
        for (String e : strings(c.path("Env"))) {
            put(env, e);
        }
        for (String e : extraEnv) {
            put(env, e);
        }
        env.putIfAbsent("PATH", DEFAULT_PATH.substring(5));
        List<String> envList = new ArrayList<>();
        env.forEach((k, v) -> envList.add(k + "=" + v));
        String dir = cwd != null ? cwd : c.path("WorkingDir").asText("");
        int[] ids = user(user != null ? user : c.path("User").asText(""), rootfs);
        return new Workload(run, envList, dir.isEmpty() ? "/" : dir, ids[0], ids[1]);
    }

    private static void put(Map<String, String> env, String entry) {
        int eq = entry.indexOf('=');
        if (eq <= 0) {
            throw new IllegalArgumentException("environment entry must be KEY=VALUE: " + entry);
        }
        env.put(entry.substring(0, eq), entry.substring(eq + 1));
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        if (array.isArray()) {
            array.forEach(n -> out.add(n.asText()));
        }
        return out;
    }

    /** {@code uid[:gid]}, names looked up in the image's /etc/passwd and /etc/group; empty is root. */
    static int[] user(String spec, Path rootfs) {
        if (spec.isEmpty()) {
            return new int[] {0, 0};
        }
        String[] parts = spec.split(":", 2);
        int uid;
        int gid;
        if (parts[0].matches("\\d+")) {
            uid = Integer.parseInt(parts[0]);
            gid = uid == 0 ? 0 : lookup(rootfs.resolve("etc/passwd"), parts[0], 2, 3, uid);
        } else {
            uid = lookup(rootfs.resolve("etc/passwd"), parts[0], 0, 2, -1);
            gid = lookup(rootfs.resolve("etc/passwd"), parts[0], 0, 3, -1);
            if (uid < 0) {
                throw new IllegalArgumentException("user " + parts[0] + " is not in the image's /etc/passwd");
            }
        }
        if (parts.length == 2) {
            gid = parts[1].matches("\\d+") ? Integer.parseInt(parts[1])
                    : lookup(rootfs.resolve("etc/group"), parts[1], 0, 2, -1);
            if (gid < 0) {
                throw new IllegalArgumentException("group " + parts[1] + " is not in the image's /etc/group");
            }
        }
        return new int[] {uid, Math.max(gid, 0)};
    }

    /** Field {@code want} of the colon-separated line whose field {@code key} equals {@code value}. */
    private static int lookup(Path file, String value, int key, int want, int otherwise) {
        try {
            for (String line : Files.readAllLines(file)) {
                String[] f = line.split(":");
                if (f.length > Math.max(key, want) && f[key].equals(value) && f[want].matches("\\d+")) {
                    return Integer.parseInt(f[want]);
                }
            }
        } catch (java.io.IOException | java.io.UncheckedIOException e) {
            // no passwd/group in the image
        }
        return otherwise;
    }
}
