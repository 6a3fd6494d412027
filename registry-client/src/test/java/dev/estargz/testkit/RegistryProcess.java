package dev.estargz.testkit;

import dev.estargz.registry.HostConfig;
import dev.estargz.registry.RegistryConfig;
import dev.estargz.registry.reference.ImageReference;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code /usr/bin/docker-registry} (distribution 2.8) on 127.0.0.1 with a private storage directory:
 * plain HTTP, or TLS with a CA made for the run, optionally behind htpasswd or token auth, optionally a
 * pull-through cache of another registry. Stop it with
 * {@link #close()}; a shutdown hook stops it too if a test run is cut short.
 */
public final class RegistryProcess implements AutoCloseable {
    private static final String BINARY = "/usr/bin/docker-registry";

    private final Path dir;
    private final int port;
    private final Process process;
    private final Options options;
    private final Thread shutdownHook;

    /**
     * What to start.
     *
     * @param certs         TLS and token keys; required for tls or token auth
     * @param tls           serve HTTPS with a certificate from {@code certs}
     * @param htpasswdUsers non-empty: basic auth with these users (name → password)
     * @param tokenRealm    non-null: token auth with this realm (see {@link TokenServer})
     * @param proxyRemote   non-null: a pull-through cache of the registry at this URL ({@code proxy.remoteurl})
     */
    public record Options(TestCertificates certs, boolean tls, Map<String, String> htpasswdUsers, String tokenRealm,
                          String proxyRemote) {
        public static Options plain() {
            return new Options(null, false, Map.of(), null, null);
        }

        public static Options tls(TestCertificates certs) {
            return new Options(certs, true, Map.of(), null, null);
        }

        public Options withHtpasswd(Map<String, String> users) {
            return new Options(certs, tls, users, tokenRealm, proxyRemote);
        }

        public Options withToken(TestCertificates c, TokenServer server) {
            return new Options(c, tls, htpasswdUsers, server.realm(), proxyRemote);
        }

        /** A pull-through cache: blobs and manifests it lacks are fetched from {@code remoteUrl} and kept. */
        public Options withPullThrough(String remoteUrl) {
            return new Options(certs, tls, htpasswdUsers, tokenRealm, remoteUrl);
        }
    }

    private RegistryProcess(Path dir, int port, Process process, Options options) {
        this.dir = dir;
        this.port = port;
        this.process = process;
        this.options = options;
        this.shutdownHook = new Thread(process::destroyForcibly, "docker-registry-reaper-" + port);
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** Starts a plain-HTTP registry without auth. */
    public static RegistryProcess startPlain() throws IOException {
        return start(Options.plain());
    }

    /** Writes config.yml into a fresh temp dir, starts the registry and waits until it accepts connections. */
    public static RegistryProcess start(Options o) throws IOException {
        Path dir = Files.createTempDirectory("estargz-registry-");
        int port = freePort();
        StringBuilder yml = new StringBuilder()
                .append("version: 0.1\n")
                .append("log:\n  level: warn\n  accesslog:\n    disabled: true\n")
                .append("storage:\n  filesystem:\n    rootdirectory: ").append(dir.resolve("data")).append('\n')
                .append("  delete:\n    enabled: true\n")
                .append("http:\n  addr: 127.0.0.1:").append(port).append('\n')
                .append("  secret: estargz-test-secret\n");
        if (o.tls()) {
            yml.append("  tls:\n    certificate: ").append(o.certs().serverCert()).append('\n')
                    .append("    key: ").append(o.certs().serverKey()).append('\n');
        }
        if (!o.htpasswdUsers().isEmpty()) {
            Path htpasswd = dir.resolve("htpasswd");
            Htpasswd.write(htpasswd, o.htpasswdUsers());
            yml.append("auth:\n  htpasswd:\n    realm: estargz-test-basic\n    path: ").append(htpasswd).append('\n');
        } else if (o.tokenRealm() != null) {
            yml.append("auth:\n  token:\n    realm: ").append(o.tokenRealm()).append('\n')
                    .append("    service: ").append(TokenServer.SERVICE).append('\n')
                    .append("    issuer: ").append(TokenServer.ISSUER).append('\n')
                    .append("    rootcertbundle: ").append(o.certs().tokenCert()).append('\n');
        }
        if (o.proxyRemote() != null) {
            yml.append("proxy:\n  remoteurl: ").append(o.proxyRemote()).append('\n');
        }
        Path config = dir.resolve("config.yml");
        Files.writeString(config, yml);
        Path log = dir.resolve("registry.log");
        Process p = new ProcessBuilder(BINARY, "serve", config.toString()).directory(dir.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        RegistryProcess r = new RegistryProcess(dir, port, p, o);
        r.awaitListening(log);
        return r;
    }

    private void awaitListening(Path log) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                String out = Files.exists(log) ? Files.readString(log) : "";
                close();
                throw new IOException("docker-registry exited with " + process.exitValue() + ":\n" + out);
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException notYet) {
                sleep(50);
            }
        }
        close();
        throw new IOException("docker-registry did not listen on 127.0.0.1:" + port + " within 20 s");
    }

    /** {@code 127.0.0.1:<port>}, the registry part of references. */
    public String host() {
        return "127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    /** A reference to {@code repository:tag} in this registry. */
    public ImageReference ref(String repositoryAndTag) {
        return ImageReference.parse(host() + "/" + repositoryAndTag);
    }

    /**
     * A client configuration for this registry: its CA when it serves TLS, short timeouts and quick retries so
     * failing tests fail fast.
     */
    public RegistryConfig.Builder clientConfig() {
        RegistryConfig.Builder b = RegistryConfig.builder()
                .requestTimeout(Duration.ofSeconds(20))
                .maxRetries(3)
                .backoff(Duration.ofMillis(10), Duration.ofMillis(200));
        if (options.tls()) {
            b.host(host(), HostConfig.DEFAULT.withCaCertificates(List.of(options.certs().caCert())));
        }
        return b;
    }

    /** The registry's log so far, for failure messages. */
    public String log() throws IOException {
        return Files.readString(dir.resolve("registry.log"));
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs anyway
        }
        TempDirs.deleteRecursively(dir);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    private static void sleep(long ms) throws IOException {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException();
        }
    }
}
