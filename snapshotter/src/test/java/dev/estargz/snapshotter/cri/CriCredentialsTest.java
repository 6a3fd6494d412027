package dev.estargz.snapshotter.cri;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.estargz.proto.cri.AuthConfig;
import dev.estargz.registry.auth.Credential;
import dev.estargz.registry.auth.CredentialStore;
import dev.estargz.registry.auth.DockerConfigCredentials;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CriCredentialsTest {
    private static final Credential ALICE = new Credential.Basic("alice", "s3cret");

    private static AuthConfig basic(String user, String password) {
        return AuthConfig.newBuilder().setUsername(user).setPassword(password).build();
    }

    @Test
    void aPulledImageIsReadWithTheCredentialsOfItsPull() {
        CriCredentials c = new CriCredentials();
        c.record("registry.example:5000/team/app:1", basic("alice", "s3cret"));
        assertEquals(ALICE, c.lookup("registry.example:5000", "team/app"));
    }

    @Test
    void eachRepositoryKeepsItsOwnCredentials() {
        CriCredentials c = new CriCredentials();
        c.record("r.example/team/app:1", basic("alice", "s3cret"));
        c.record("r.example/other/app:1", basic("bob", "hunter2"));
        assertEquals(ALICE, c.lookup("r.example", "team/app"));
        assertEquals(new Credential.Basic("bob", "hunter2"), c.lookup("r.example", "other/app"));
        assertEquals(Credential.ANONYMOUS, c.lookup("r.example", "never/pulled"));
    }

    @Test
    void theLatestPullOfARepositoryWinsWhateverItsTagOrDigest() {
        CriCredentials c = new CriCredentials();
        c.record("r.example/team/app:1", basic("alice", "old"));
        c.record("r.example/team/app@sha256:" + "a".repeat(64), basic("alice", "s3cret"));
        assertEquals(ALICE, c.lookup("r.example", "team/app"));
        c.record("r.example/team/app:2", null);
        assertEquals(Credential.ANONYMOUS, c.lookup("r.example", "team/app"));
    }

    @Test
    void credentialsDoNotLeakToAnotherHostAMirrorOrAPerHostLookup() {
        CriCredentials c = new CriCredentials();
        c.record("r.example/team/app:1", basic("alice", "s3cret"));
        assertEquals(Credential.ANONYMOUS, c.lookup("evil.example", "team/app"));
        assertEquals(Credential.ANONYMOUS, c.lookup("r.example:443", "team/app"));
        assertEquals(Credential.ANONYMOUS, c.lookup("mirror.example", "team/app"));
        assertEquals(Credential.ANONYMOUS, c.lookup("r.example"));
    }

    @Test
    void aServerAddressOfAnotherHostGivesNothing() {
        CriCredentials c = new CriCredentials();
        c.record("r.example/team/app:1", basic("alice", "s3cret").toBuilder().setServerAddress("other.example")
                .build());
        assertEquals(Credential.ANONYMOUS, c.lookup("r.example", "team/app"));
        c.record("r.example/team/app:1", basic("alice", "s3cret").toBuilder().setServerAddress("https://r.example/")
                .build());
        assertEquals(ALICE, c.lookup("r.example", "team/app"));
    }

    @Test
    void dockerHubNamesAreOneRegistry() {
        CriCredentials c = new CriCredentials();
        c.record("busybox", basic("alice", "s3cret").toBuilder()
                .setServerAddress("https://index.docker.io/v1/").build());
        assertEquals(ALICE, c.lookup("docker.io", "library/busybox"));
    }

    @Test
    void authIsBase64OfUserColonPasswordAndIdentityTokensAreRefreshTokens() {
        CriCredentials c = new CriCredentials();
        String auth = Base64.getEncoder().encodeToString("alice:s3cret".getBytes(StandardCharsets.UTF_8));
        c.record("r.example/a:1", AuthConfig.newBuilder().setAuth(auth).build());
        assertEquals(ALICE, c.lookup("r.example", "a"));
        c.record("r.example/b:1", AuthConfig.newBuilder().setIdentityToken("refresh-me").build());
        assertEquals(new Credential.IdentityToken("", "refresh-me"), c.lookup("r.example", "b"));
        assertThrows(IllegalArgumentException.class,
                () -> c.record("r.example/a:1", AuthConfig.newBuilder().setAuth("not base64!").build()));
        assertThrows(IllegalArgumentException.class, () -> c.record("r.example/a:1", AuthConfig.newBuilder()
                .setAuth(Base64.getEncoder().encodeToString("nocolon".getBytes(StandardCharsets.UTF_8))).build()));
        assertEquals(ALICE, c.lookup("r.example", "a"), "a refused AuthConfig keeps what was there");
    }

    @Test
    void aFailedPullPutsBackTheCredentialsItReplaced() {
        CriCredentials c = new CriCredentials();
        c.record("r.example/team/app:1", basic("alice", "s3cret"));
        Runnable failed = c.record("r.example/team/app:1", basic("alice", "wrong"));
        assertEquals(new Credential.Basic("alice", "wrong"), c.lookup("r.example", "team/app"));
        failed.run();
        assertEquals(ALICE, c.lookup("r.example", "team/app"));

        c.record("r.example/new/app:1", basic("bob", "wrong")).run();
        assertEquals(Credential.ANONYMOUS, c.lookup("r.example", "new/app"));
    }

    @Test
    void removeImageForgetsTheRepositoryAndIgnoresImageIds() {
        CriCredentials c = new CriCredentials();
        c.record("r.example/team/app:1", basic("alice", "s3cret"));
        c.forget("sha256:" + "b".repeat(64));
        assertEquals(ALICE, c.lookup("r.example", "team/app"));
        c.forget("r.example/team/app:1");
        assertEquals(Credential.ANONYMOUS, c.lookup("r.example", "team/app"));
    }

    @Test
    void theDockerConfigIsAskedFirstThenThePullsCredentials(@TempDir Path dir) throws Exception {
        CriCredentials cri = new CriCredentials();
        cri.record("r.example/team/app:1", basic("alice", "s3cret"));
        cri.record("config.example/team/app:1", basic("alice", "s3cret"));
        Files.writeString(dir.resolve("config.json"), "{\"auths\":{\"config.example\":{\"auth\":\""
                + Base64.getEncoder().encodeToString("carol:fromconfig".getBytes(StandardCharsets.UTF_8)) + "\"}}}");
        CredentialStore chain = new DockerConfigCredentials(dir.resolve("config.json"), List.of()).orElse(cri);
        assertEquals(new Credential.Basic("carol", "fromconfig"), chain.lookup("config.example", "team/app"));
        assertEquals(ALICE, chain.lookup("r.example", "team/app"));
        assertEquals(Credential.ANONYMOUS, chain.lookup("r.example"));
    }
}
