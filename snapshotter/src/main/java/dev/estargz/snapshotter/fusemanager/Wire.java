package dev.estargz.snapshotter.fusemanager;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * The daemon-to-fuse-manager protocol: one JSON object per line, one request and one reply per connection, over
 * the manager's unix stream socket. JSON lines rather than gRPC because the messages are few and small and a
 * human can talk to the socket with {@code socat} when debugging a node.
 */
final class Wire {
    /** Bumped on an incompatible change; the daemon refuses a manager speaking another version. */
    static final int VERSION = 1;

    static final String HELLO = "hello";
    static final String MOUNT = "mount";
    static final String RESTORE = "restore";
    static final String CHECK = "check";
    static final String UNMOUNT = "unmount";
    static final String LIST = "list";

    private static final ObjectMapper JSON = new ObjectMapper()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .setSerializationInclusion(JsonInclude.Include.NON_NULL);

    private Wire() {
    }

    /** What the daemon asks; {@code mountpoint} and {@code labels} are absent for hello and list. */
    record Request(String op, String mountpoint, Map<String, String> labels) {
    }

    /**
     * The manager's answer. {@code status} is {@code ok}, {@code not_mounted} (with {@code reason} and
     * {@code detail}), {@code unavailable} or {@code not_served} (check), or {@code error} (bad request).
     * Hello fills {@code version}, {@code pid}, {@code instance} (new on every manager start) and {@code root};
     * list fills {@code mountpoints}.
     */
    record Reply(String status, String reason, String detail, Integer version, Long pid, String instance,
            String root, List<String> mountpoints) {

        static final String OK = "ok";
        static final String NOT_MOUNTED = "not_mounted";
        static final String UNAVAILABLE = "unavailable";
        static final String NOT_SERVED = "not_served";
        static final String ERROR = "error";

        static Reply ok() {
            return new Reply(OK, null, null, null, null, null, null, null);
        }

        static Reply of(String status, String reason, String detail) {
            return new Reply(status, reason, detail, null, null, null, null, null);
        }
    }

    static String encode(Object message) throws IOException {
        return JSON.writeValueAsString(message);
    }

    static <T> T decode(String line, Class<T> type) throws IOException {
        if (line == null) {
            throw new IOException("the fuse manager closed the connection without answering");
        }
        return JSON.readValue(line, type);
    }
}
