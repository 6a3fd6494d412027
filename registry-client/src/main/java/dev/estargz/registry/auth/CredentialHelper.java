package dev.estargz.registry.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs {@code docker-credential-<name> get} as Docker's credential-helper protocol describes. */
final class CredentialHelper {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long TIMEOUT_SECONDS = 30;

    private final List<Path> searchPath;

    CredentialHelper(List<Path> searchPath) {
        this.searchPath = List.copyOf(searchPath);
    }

    Credential get(String name, String serverUrl) throws IOException {
        if (!name.matches("[A-Za-z0-9._-]+")) {
            throw new IOException("invalid credential helper name \"" + name + "\"");
        }
        String program = "docker-credential-" + name;
        Path exe = searchPath.stream().map(d -> d.resolve(program)).filter(Files::isExecutable).findFirst()
                .orElseThrow(() -> new IOException("credential helper " + program + " not found on " + searchPath));
        Process p = new ProcessBuilder(exe.toString(), "get").redirectErrorStream(false).start();
        byte[] out;
        byte[] err;
        try (OutputStream in = p.getOutputStream()) {
            in.write(serverUrl.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            // The helper may exit before reading stdin; its exit status tells the story.
        }
        try (InputStream o = p.getInputStream(); InputStream e = p.getErrorStream()) {
            out = o.readNBytes(1 << 20);
            err = e.readNBytes(1 << 16);
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(program + " did not finish within " + TIMEOUT_SECONDS + " s");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + program, e);
        }
        String stdout = new String(out, StandardCharsets.UTF_8).trim();
        if (p.exitValue() != 0) {
            String msg = (stdout + " " + new String(err, StandardCharsets.UTF_8)).trim();
            if (msg.contains("credentials not found")) {
                return Credential.ANONYMOUS;
            }
            // The helper's own message is about the lookup, not the secret, so it is safe to show.
            throw new IOException(program + " get " + serverUrl + " failed (exit " + p.exitValue() + "): " + msg);
        }
        JsonNode n;
        try {
            n = JSON.readTree(stdout);
        } catch (IOException e) {
            throw new IOException(program + " get " + serverUrl + " printed something that is not JSON");
        }
        String user = n.path("Username").asText("");
        String secret = n.path("Secret").asText("");
        if (secret.isEmpty()) {
            return Credential.ANONYMOUS;
        }
        // Docker's convention: the user name "<token>" marks an identity (refresh) token.
        if ("<token>".equals(user)) {
            return new Credential.IdentityToken(user, secret);
        }
        return new Credential.Basic(user, secret);
    }
}
