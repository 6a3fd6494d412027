package dev.estargz.registry;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.stream.Collectors;

/** Writes a {@code docker-credential-<name>} shell script answering {@code get} from a fixed table. */
final class FakeCredentialHelper {
    private FakeCredentialHelper() {
    }

    /**
     * @param answers server URL → {username, secret}
     * @return the directory to put on the helper search path
     */
    static Path install(Path binDir, String name, Map<String, String[]> answers) throws IOException {
        Files.createDirectories(binDir);
        String cases = answers.entrySet().stream().map(e -> "  '" + e.getKey() + "') printf '%s' '{\"ServerURL\":\""
                        + e.getKey() + "\",\"Username\":\"" + e.getValue()[0] + "\",\"Secret\":\"" + e.getValue()[1]
                        + "\"}' ;;")
                .collect(Collectors.joining("\n"));
        String script = "#!/bin/sh\n[ \"$1\" = get ] || { echo unsupported >&2; exit 1; }\nread -r server\n"
                + "case \"$server\" in\n" + cases + "\n  *) echo 'credentials not found in native keychain'; exit 1 ;;\nesac\n";
        Path exe = binDir.resolve("docker-credential-" + name);
        Files.writeString(exe, script);
        Files.setPosixFilePermissions(exe, PosixFilePermissions.fromString("rwxr-xr-x"));
        return binDir;
    }
}
