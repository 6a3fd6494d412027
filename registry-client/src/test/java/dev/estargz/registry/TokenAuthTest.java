package dev.estargz.registry;

import dev.estargz.registry.RegistryException.Kind;
import dev.estargz.registry.auth.Credential;
import dev.estargz.registry.auth.CredentialStore;
import dev.estargz.registry.auth.DockerConfigCredentials;
import dev.estargz.registry.manifest.Platform;
import dev.estargz.registry.push.PushOutcome;
import dev.estargz.testkit.InMemoryBlob;
import dev.estargz.testkit.RegistryProcess;
import dev.estargz.testkit.TestCertificates;
import dev.estargz.testkit.TestImage;
import dev.estargz.testkit.TokenServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bearer-token auth against a real docker-registry configured with {@code auth.token} and a test token server. */
class TokenAuthTest {
    private static final Platform AMD64 = Platform.parse("linux/amd64");
    private static final CredentialStore ALICE = r -> new Credential.Basic("alice", "s3cret");
    @TempDir
    static Path tmp;
    private static TokenServer tokens;
    private static RegistryProcess registry;
    private static TestImage image;

    @BeforeAll
    static void start() throws Exception {
        TestCertificates certs = TestCertificates.create(tmp.resolve("certs"));
        tokens = new TokenServer(certs, Map.of("alice", "s3cret"), Map.of("refresh-abc", "alice"), true);
        registry = RegistryProcess.start(RegistryProcess.Options.plain().withToken(certs, tokens));
        try (RegistryClient c = client(ALICE)) {
            image = TestImage.push(c, registry.ref("team/app:v1"), AMD64, TestImage.randomLayers(1, 50_000, 11));
        }
    }

    @AfterAll
    static void stop() {
        if (registry != null) {
            registry.close();
        }
        if (tokens != null) {
            tokens.close();
        }
    }

    private static RegistryClient client(CredentialStore creds) {
        return RegistryClient.create(registry.clientConfig().credentials(creds).build());
    }

    @Test
    void anonymousPullFetchesATokenWithoutCredentials() throws Exception {
        try (RegistryClient c = client(CredentialStore.anonymous())) {
            ResolvedImage r = c.resolve(registry.ref("team/app:v1"), AMD64);
            assertArrayEquals(image.layers().get(0).bytes(), c.fetchBlob(r.pinned(), r.layers().get(0)));
        }
    }

    @Test
    void anonymousPushIsUnauthorizedNamingTheRealm() {
        try (RegistryClient c = client(CredentialStore.anonymous())) {
            RegistryException e = assertThrows(RegistryException.class, () -> c.pushBlob(registry.ref("team/app:v1"),
                    Digest.sha256(new byte[]{1}), new InMemoryBlob(new byte[]{1}), null));
            assertEquals(Kind.UNAUTHORIZED, e.kind(), e.getMessage());
            assertEquals(tokens.realm(), e.realm());
            assertTrue(e.getMessage().contains(tokens.realm()) && e.getMessage().contains(registry.host()), e.getMessage());
        }
    }

    @Test
    void wrongPasswordIsUnauthorizedAndNeverShown() {
        try (RegistryClient c = client(r -> new Credential.Basic("alice", "wrong-password"))) {
            RegistryException e = assertThrows(RegistryException.class, () -> c.fetchManifest(registry.ref("team/app:v1")));
            assertEquals(Kind.UNAUTHORIZED, e.kind());
            assertEquals(tokens.realm(), e.realm());
            assertFalse(e.getMessage().contains("wrong-password"), e.getMessage());
        }
    }

    @Test
    void tokenRejectedByTheRegistryIsRenewedOnce() throws Exception {
        try (RegistryClient c = client(ALICE)) {
            int before = tokens.tokensIssued();
            tokens.issueExpiredTokens(1);
            assertEquals(image.manifestDigest(), c.fetchManifest(registry.ref("team/app:v1")).digest());
            assertEquals(before + 2, tokens.tokensIssued());
        }
    }

    @Test
    void tokenIsCachedUntilItExpiresThenRenewedBeforeUse() throws Exception {
        MutableClock clock = new MutableClock();
        tokens.expiresIn(300);
        try (RegistryClient c = RegistryClient.create(registry.clientConfig().credentials(ALICE).build(), clock)) {
            c.fetchManifest(registry.ref("team/app:v1"));
            int afterFirst = tokens.tokensIssued();
            c.fetchManifest(registry.ref("team/app:v1"));
            assertEquals(afterFirst, tokens.tokensIssued(), "a live token is reused");
            clock.advance(Duration.ofSeconds(299));
            c.fetchManifest(registry.ref("team/app:v1"));
            assertEquals(afterFirst + 1, tokens.tokensIssued(), "a token near expiry is renewed before it is sent");
        }
    }

    @Test
    void identityTokenFromACredentialHelperIsExchangedForPush(@TempDir Path dir) throws Exception {
        Path bin = FakeCredentialHelper.install(dir.resolve("bin"), "test",
                Map.of(registry.host(), new String[]{"<token>", "refresh-abc"}));
        Files.writeString(dir.resolve("config.json"), "{\"credHelpers\":{\"" + registry.host() + "\":\"test\"}}");
        DockerConfigCredentials creds = DockerConfigCredentials.fromEnvironment(
                Map.of("DOCKER_CONFIG", dir.toString(), "PATH", bin.toString()));
        assertTrue(creds.lookup(registry.host()) instanceof Credential.IdentityToken);
        try (RegistryClient c = client(creds)) {
            byte[] b = "pushed with an identity token".getBytes();
            assertEquals(PushOutcome.UPLOADED, c.pushBlob(registry.ref("team/idtoken:v1"), Digest.sha256(b),
                    new InMemoryBlob(b), null));
        }
    }

    @Test
    void neitherPasswordsNorTokensReachTheLog() throws Exception {
        ch.qos.logback.classic.Logger log = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("dev.estargz");
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> events =
                new ch.qos.logback.core.read.ListAppender<>();
        events.start();
        ch.qos.logback.classic.Level before = log.getLevel();
        log.setLevel(ch.qos.logback.classic.Level.TRACE);
        log.addAppender(events);
        try (RegistryClient c = client(ALICE)) {
            tokens.issueExpiredTokens(1);
            c.fetchManifest(registry.ref("team/app:v1"));
            try (RegistryClient bad = client(r -> new Credential.Basic("alice", "s3cret-but-wrong"))) {
                assertThrows(RegistryException.class, () -> bad.fetchManifest(registry.ref("team/app:v1")));
            }
        } finally {
            log.detachAppender(events);
            log.setLevel(before);
        }
        assertFalse(events.list.isEmpty(), "the flow logged something to inspect");
        for (var e : events.list) {
            String text = e.getFormattedMessage() + (e.getThrowableProxy() == null ? "" : e.getThrowableProxy().getMessage());
            // "eyJ" starts every base64-encoded JSON object, i.e. every JWT.
            assertFalse(text.contains("s3cret") || text.contains("eyJ") || text.contains("Basic YWxp"), text);
        }
    }

    @Test
    void mountAcrossRepositoriesAsksForPullOnTheSource() throws Exception {
        try (RegistryClient c = client(ALICE)) {
            TestImage.Layer l = image.layers().get(0);
            assertEquals(PushOutcome.MOUNTED, c.pushBlob(registry.ref("team/copy:v1"), Digest.sha256(l.bytes()),
                    new InMemoryBlob(new byte[0]), "team/app"));
            assertTrue(c.blobExists(registry.ref("team/copy:v1"), Digest.sha256(l.bytes())));
        }
    }
}
