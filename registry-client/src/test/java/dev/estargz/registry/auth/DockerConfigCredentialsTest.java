package dev.estargz.registry.auth;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DockerConfigCredentialsTest {
    @TempDir
    Path dir;

    private DockerConfigCredentials withConfig(String json) throws IOException {
        Files.writeString(dir.resolve("config.json"), json);
        return new DockerConfigCredentials(dir.resolve("config.json"), List.of(dir));
    }

    @Test
    void readsAuthsKeyedByUrlOrHost() throws Exception {
        String a = Base64.getEncoder().encodeToString("u:p:with:colons".getBytes());
        var c = withConfig("{\"auths\":{\"https://index.docker.io/v1/\":{\"auth\":\"" + a + "\"},"
                + "\"r.example:5000\":{\"username\":\"x\",\"password\":\"y\"},"
                + "\"id.example\":{\"identitytoken\":\"refresh\"}}}");
        assertEquals(new Credential.Basic("u", "p:with:colons"), c.lookup("docker.io"));
        assertEquals(new Credential.Basic("x", "y"), c.lookup("r.example:5000"));
        assertTrue(c.lookup("id.example") instanceof Credential.IdentityToken);
        assertEquals(Credential.ANONYMOUS, c.lookup("other.example"));
    }

    @Test
    void credHelpersWinOverCredsStoreWhichWinsOverAuths() throws Exception {
        Path helper = dir.resolve("docker-credential-t");
        Files.writeString(helper, "#!/bin/sh\nread s\necho \"{\\\"Username\\\":\\\"via-$0\\\",\\\"Secret\\\":\\\"$s\\\"}\"\n");
        helper.toFile().setExecutable(true);
        Path store = dir.resolve("docker-credential-s");
        Files.writeString(store, "#!/bin/sh\nread s\necho \"{\\\"Username\\\":\\\"store\\\",\\\"Secret\\\":\\\"$s\\\"}\"\n");
        store.toFile().setExecutable(true);
        var c = withConfig("{\"credHelpers\":{\"h.example\":\"t\"},\"credsStore\":\"s\","
                + "\"auths\":{\"h.example\":{\"username\":\"a\",\"password\":\"b\"}}}");
        Credential.Basic h = (Credential.Basic) c.lookup("h.example");
        assertTrue(h.username().endsWith("docker-credential-t"));
        assertEquals("h.example", h.password());
        assertEquals(new Credential.Basic("store", "https://index.docker.io/v1/"), c.lookup("docker.io"));
    }

    @Test
    void missingFileIsAnonymousAndBrokenFileIsAnError() throws Exception {
        assertEquals(Credential.ANONYMOUS, new DockerConfigCredentials(dir.resolve("none.json"), List.of()).lookup("x"));
        IOException e = assertThrows(IOException.class, () -> withConfig("{not json").lookup("x"));
        assertTrue(e.getMessage().contains("config.json"));
        IOException h = assertThrows(IOException.class, () -> withConfig("{\"credsStore\":\"absent\"}").lookup("x"));
        assertTrue(h.getMessage().contains("docker-credential-absent"), h.getMessage());
    }

    @Test
    void secretsNeverAppearInToString() {
        assertFalse(new Credential.Basic("u", "hunter2").toString().contains("hunter2"));
        assertFalse(new Credential.IdentityToken("u", "tok123").toString().contains("tok123"));
    }

    @Test
    void dockerConfigEnvironmentVariableChoosesTheDirectory() throws Exception {
        Files.writeString(dir.resolve("config.json"), "{\"auths\":{\"e.example\":{\"username\":\"e\",\"password\":\"f\"}}}");
        var c = DockerConfigCredentials.fromEnvironment(Map.of("DOCKER_CONFIG", dir.toString(), "HOME", "/nonexistent"));
        assertEquals(new Credential.Basic("e", "f"), c.lookup("e.example"));
    }
}
