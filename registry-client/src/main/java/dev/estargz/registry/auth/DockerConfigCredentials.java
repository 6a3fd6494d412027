package dev.estargz.registry.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Credentials from Docker's {@code config.json}: {@code credHelpers} for the host first, then {@code credsStore},
 * then {@code auths}, as the docker CLI resolves them. The file is read on each lookup so that a
 * {@code docker login} made while we run is seen.
 */
public final class DockerConfigCredentials implements CredentialStore {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String HUB_SERVER_URL = "https://index.docker.io/v1/";

    private final Path configFile;
    private final CredentialHelper helpers;

    /**
     * @param configFile path of {@code config.json}; a missing file means anonymous
     * @param searchPath directories searched for {@code docker-credential-*} programs (normally {@code $PATH})
     */
    public DockerConfigCredentials(Path configFile, List<Path> searchPath) {
        this.configFile = configFile;
        this.helpers = new CredentialHelper(searchPath);
    }

    /** {@code $DOCKER_CONFIG/config.json} or {@code ~/.docker/config.json}, with helpers searched on {@code $PATH}. */
    public static DockerConfigCredentials fromEnvironment() {
        return fromEnvironment(System.getenv());
    }

    /** As {@link #fromEnvironment()}, from the given environment map (for tests and wiring). */
    public static DockerConfigCredentials fromEnvironment(Map<String, String> env) {
        String dockerConfig = env.get("DOCKER_CONFIG");
        Path dir = dockerConfig != null && !dockerConfig.isEmpty() ? Path.of(dockerConfig)
                : Path.of(env.getOrDefault("HOME", System.getProperty("user.home")), ".docker");
        List<Path> path = new ArrayList<>();
        for (String p : env.getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (!p.isEmpty()) {
                path.add(Path.of(p));
            }
        }
        return new DockerConfigCredentials(dir.resolve("config.json"), path);
    }

    @Override
    public Credential lookup(String registry) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readAllBytes(configFile));
        } catch (NoSuchFileException e) {
            return Credential.ANONYMOUS;
        } catch (IOException e) {
            throw new IOException("cannot read docker config " + configFile + ": " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new IOException("docker config " + configFile + " is not a JSON object");
        }
        String serverUrl = "docker.io".equals(registry) ? HUB_SERVER_URL : registry;
        JsonNode helpersNode = root.get("credHelpers");
        if (helpersNode != null && helpersNode.isObject()) {
            for (Iterator<String> it = helpersNode.fieldNames(); it.hasNext(); ) {
                String key = it.next();
                if (normalise(key).equals(registry)) {
                    return helpers.get(helpersNode.get(key).asText(), serverUrl);
                }
            }
        }
        JsonNode store = root.get("credsStore");
        if (store != null && !store.asText().isEmpty()) {
            Credential c = helpers.get(store.asText(), serverUrl);
            if (!(c instanceof Credential.Anonymous)) {
                return c;
            }
        }
        JsonNode auths = root.get("auths");
        if (auths != null && auths.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = auths.fields(); it.hasNext(); ) {
                var e = it.next();
                if (normalise(e.getKey()).equals(registry)) {
                    return fromAuthEntry(e.getKey(), e.getValue());
                }
            }
        }
        return Credential.ANONYMOUS;
    }

    private Credential fromAuthEntry(String key, JsonNode entry) throws IOException {
        String identity = text(entry, "identitytoken");
        String user = text(entry, "username");
        String pass = text(entry, "password");
        String auth = text(entry, "auth");
        if (auth != null && !auth.isEmpty()) {
            String decoded;
            try {
                decoded = new String(Base64.getDecoder().decode(auth.trim()), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw new IOException("docker config " + configFile + ": \"auth\" of " + key + " is not base64");
            }
            int colon = decoded.indexOf(':');
            if (colon < 0) {
                throw new IOException("docker config " + configFile + ": \"auth\" of " + key + " lacks user:password");
            }
            user = decoded.substring(0, colon);
            pass = decoded.substring(colon + 1);
        }
        if (identity != null && !identity.isEmpty()) {
            return new Credential.IdentityToken(user, identity);
        }
        if (user != null && !user.isEmpty()) {
            return new Credential.Basic(user, pass == null ? "" : pass);
        }
        return Credential.ANONYMOUS;
    }

    /**
     * The registry a docker config key or a CRI {@code server_address} names: Docker writes them as URLs
     * ({@code https://index.docker.io/v1/}) or bare hosts; Docker Hub's names become {@code docker.io}.
     */
    public static String normalise(String key) {
        String k = key;
        int scheme = k.indexOf("://");
        if (scheme >= 0) {
            k = k.substring(scheme + 3);
        }
        int slash = k.indexOf('/');
        if (slash >= 0) {
            k = k.substring(0, slash);
        }
        if (k.equals("index.docker.io") || k.equals("registry-1.docker.io")) {
            return "docker.io";
        }
        return k;
    }

    private static String text(JsonNode n, String f) {
        JsonNode v = n.get(f);
        return v == null || v.isNull() ? null : v.asText();
    }

    @Override
    public String toString() {
        return "docker config " + configFile;
    }
}
