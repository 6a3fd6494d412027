package dev.estargz.registry;

import dev.estargz.registry.RegistryException.Kind;
import dev.estargz.registry.auth.Credential;
import dev.estargz.registry.auth.CredentialStore;
import dev.estargz.registry.auth.DockerConfigCredentials;
import dev.estargz.registry.manifest.Platform;
import dev.estargz.testkit.RegistryProcess;
import dev.estargz.testkit.TestCertificates;
import dev.estargz.testkit.TestImage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import javax.net.ssl.SSLException;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A real docker-registry serving TLS with a CA made by the test, behind htpasswd basic auth. */
class TlsBasicAuthTest {
    private static final Platform AMD64 = Platform.parse("linux/amd64");
    @TempDir
    static Path tmp;
    private static TestCertificates certs;
    private static RegistryProcess registry;
    private static TestImage image;

    @BeforeAll
    static void start() throws Exception {
        certs = TestCertificates.create(tmp.resolve("certs"));
        registry = RegistryProcess.start(RegistryProcess.Options.tls(certs).withHtpasswd(Map.of("bob", "hunter2")));
        try (RegistryClient c = RegistryClient.create(registry.clientConfig()
                .credentials(r -> new Credential.Basic("bob", "hunter2")).build())) {
            image = TestImage.push(c, registry.ref("secure/app:v1"), AMD64, TestImage.randomLayers(1, 20_000, 5));
        }
    }

    @AfterAll
    static void stop() {
        if (registry != null) {
            registry.close();
        }
    }

    @Test
    void pullsOverTlsWithCredentialsFromDockerConfigAuths(@TempDir Path dir) throws Exception {
        String auth = Base64.getEncoder().encodeToString("bob:hunter2".getBytes(StandardCharsets.UTF_8));
        Files.writeString(dir.resolve("config.json"),
                "{\"auths\":{\"https://" + registry.host() + "\":{\"auth\":\"" + auth + "\"}}}");
        CredentialStore creds = DockerConfigCredentials.fromEnvironment(Map.of("DOCKER_CONFIG", dir.toString()));
        try (RegistryClient c = RegistryClient.create(registry.clientConfig().credentials(creds).build())) {
            ResolvedImage r = c.resolve(registry.ref("secure/app:v1"), AMD64);
            assertArrayEquals(image.layers().get(0).bytes(), c.fetchBlob(r.pinned(), r.layers().get(0)));
        }
    }

    @Test
    void credsStoreHelperSuppliesBasicCredentials(@TempDir Path dir) throws Exception {
        Path bin = FakeCredentialHelper.install(dir.resolve("bin"), "test",
                Map.of(registry.host(), new String[]{"bob", "hunter2"}));
        Files.writeString(dir.resolve("config.json"), "{\"credsStore\":\"test\"}");
        CredentialStore creds = new DockerConfigCredentials(dir.resolve("config.json"), List.of(bin));
        try (RegistryClient c = RegistryClient.create(registry.clientConfig().credentials(creds).build())) {
            assertEquals(image.manifestDigest(), c.fetchManifest(registry.ref("secure/app:v1")).digest());
        }
    }

    @Test
    void aStoreOfCredentialsPerRepositoryIsAskedWithTheRepositoryOfEachRequest() throws Exception {
        CredentialStore perRepository = new CredentialStore() {
            @Override
            public Credential lookup(String registryName) {
                return Credential.ANONYMOUS;
            }

            @Override
            public Credential lookup(String registryName, String repository) {
                return repository.equals("secure/app") ? new Credential.Basic("bob", "hunter2") : Credential.ANONYMOUS;
            }
        };
        try (RegistryClient c = RegistryClient.create(registry.clientConfig()
                .credentials(CredentialStore.anonymous().orElse(perRepository)).build())) {
            ResolvedImage r = c.resolve(registry.ref("secure/app:v1"), AMD64);
            assertArrayEquals(image.layers().get(0).bytes(), c.fetchBlob(r.pinned(), r.layers().get(0)));
            RegistryException e = assertThrows(RegistryException.class,
                    () -> c.fetchManifest(registry.ref("secure/other:v1")));
            assertEquals(Kind.UNAUTHORIZED, e.kind());
        }
    }

    @Test
    void missingCredentialsAreUnauthorizedNamingTheBasicRealm() {
        try (RegistryClient c = RegistryClient.create(registry.clientConfig().build())) {
            RegistryException e = assertThrows(RegistryException.class, () -> c.fetchManifest(registry.ref("secure/app:v1")));
            assertEquals(Kind.UNAUTHORIZED, e.kind());
            assertEquals("estargz-test-basic", e.realm());
        }
    }

    @Test
    void wrongPasswordIsUnauthorizedAndNotShown() {
        try (RegistryClient c = RegistryClient.create(registry.clientConfig()
                .credentials(r -> new Credential.Basic("bob", "not-hunter2")).build())) {
            RegistryException e = assertThrows(RegistryException.class, () -> c.fetchManifest(registry.ref("secure/app:v1")));
            assertEquals(Kind.UNAUTHORIZED, e.kind());
            assertTrue(!e.getMessage().contains("not-hunter2"), e.getMessage());
        }
    }

    @Test
    void serverCertificateFromAnotherCaIsRefused() {
        // The token-signing certificate is self-signed, so trusting it alone must not make the server trusted.
        RegistryConfig cfg = registry.clientConfig().maxRetries(0)
                .host(registry.host(), HostConfig.DEFAULT.withCaCertificates(List.of(certs.tokenCert())))
                .credentials(r -> new Credential.Basic("bob", "hunter2")).build();
        try (RegistryClient c = RegistryClient.create(cfg)) {
            RegistryException e = assertThrows(RegistryException.class, () -> c.fetchManifest(registry.ref("secure/app:v1")));
            assertEquals(Kind.UNREACHABLE, e.kind());
            assertTrue(e.getCause() instanceof SSLException, String.valueOf(e.getCause()));
        }
    }
}
