package dev.estargz.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Writes bcrypt htpasswd files for distribution's htpasswd auth, which accepts only bcrypt. The hash comes from a
 * tiny Go program built offline against Debian's golang.org/x/crypto and cached under ~/.cache/estargz-test.
 */
public final class Htpasswd {
    private Htpasswd() {
    }

    /** Writes {@code users} (name → password) to {@code file}. */
    public static void write(Path file, Map<String, String> users) throws IOException {
        Path tool = tool();
        String input = users.entrySet().stream().map(e -> e.getKey() + ":" + e.getValue())
                .collect(Collectors.joining("\n", "", "\n"));
        String out = ExternalCommand.run(file.toAbsolutePath().getParent(), Map.of(), input, List.of(tool.toString()));
        Files.writeString(file, out);
    }

    private static synchronized Path tool() throws IOException {
        byte[] source;
        try (InputStream in = Htpasswd.class.getResourceAsStream("bcrypthash.go.txt")) {
            if (in == null) {
                throw new IOException("test resource bcrypthash.go.txt missing");
            }
            source = in.readAllBytes();
        }
        String key = dev.estargz.registry.Digest.sha256(source).hex().substring(0, 12);
        Path cache = Path.of(System.getProperty("user.home"), ".cache", "estargz-test", "bcrypthash-" + key);
        Path exe = cache.resolve("bcrypthash");
        if (Files.isExecutable(exe)) {
            return exe;
        }
        Path gopath = Files.createTempDirectory("bcrypthash-gopath");
        Path pkg = gopath.resolve("src/bcrypthash");
        Files.createDirectories(pkg);
        Files.write(pkg.resolve("main.go"), source);
        Files.createDirectories(cache);
        Path tmp = cache.resolve("bcrypthash.tmp" + ProcessHandle.current().pid());
        ExternalCommand.run(pkg, Map.of("GO111MODULE", "off", "GOPATH", gopath + ":/usr/share/gocode",
                "GOCACHE", gopath.resolve("cache").toString()),
                null, List.of("go", "build", "-o", tmp.toString(), "."));
        Files.move(tmp, exe, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        TempDirs.deleteRecursively(gopath);
        return exe;
    }

}
