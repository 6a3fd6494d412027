package dev.estargz.snapshotter.cri;

import dev.estargz.proto.cri.AuthConfig;
import dev.estargz.registry.auth.Credential;
import dev.estargz.registry.auth.CredentialStore;
import dev.estargz.registry.auth.DockerConfigCredentials;
import dev.estargz.registry.reference.ImageReference;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The registry credentials kubelet sent in CRI {@code PullImage}, kept per image repository ({@code host/repo}, the
 * latest pull wins) so that the layers of that image are read with them. They answer only for the image's own
 * registry: another host, a mirror or a per-host lookup gets nothing from here.
 */
public final class CriCredentials implements CredentialStore {
    private final Map<String, Credential> byRepository = new ConcurrentHashMap<>();

    /**
     * Remembers what {@code auth} (absent or empty: anonymous) gives for {@code image}, replacing the credential of
     * an earlier pull of that repository.
     *
     * @return puts back the replaced credential: for a pull that failed
     * @throws IllegalArgumentException {@code image} is no image reference, or {@code auth.auth} is not base64 of
     *                                  {@code user:password}
     */
    public Runnable record(String image, AuthConfig auth) {
        ImageReference ref = ImageReference.parse(image);
        String key = key(ref.registry(), ref.repository());
        Credential c = credentialOf(auth, ref.registry());
        Credential previous = byRepository.put(key, c);
        return () -> {
            if (previous == null) {
                byRepository.remove(key, c);
            } else {
                byRepository.replace(key, c, previous);
            }
        };
    }

    /** Drops the credential of {@code image}'s repository (CRI {@code RemoveImage}); an image id is ignored. */
    public void forget(String image) {
        ImageReference ref;
        try {
            ref = ImageReference.parse(image);
        } catch (IllegalArgumentException notAReference) {
            return;
        }
        byRepository.remove(key(ref.registry(), ref.repository()));
    }

    /** Per-host lookups get nothing: these credentials belong to one image's repository. */
    @Override
    public Credential lookup(String registry) {
        return Credential.ANONYMOUS;
    }

    @Override
    public Credential lookup(String registry, String repository) {
        return byRepository.getOrDefault(key(registry, repository), Credential.ANONYMOUS);
    }

    /**
     * The credential in a CRI {@code AuthConfig}, in containerd's and the reference's order: {@code username} and
     * {@code password}, then {@code identity_token}, then {@code auth} ({@code base64(user:password)}). A
     * {@code server_address} naming another host than {@code registry} gives nothing, as does
     * {@code registry_token} (neither containerd nor the reference use it).
     */
    static Credential credentialOf(AuthConfig a, String registry) {
        if (a == null) {
            return Credential.ANONYMOUS;
        }
        if (!a.getServerAddress().isEmpty() && !DockerConfigCredentials.normalise(a.getServerAddress()).equals(registry)) {
            return Credential.ANONYMOUS;
        }
        if (!a.getUsername().isEmpty()) {
            return new Credential.Basic(a.getUsername(), a.getPassword());
        }
        if (!a.getIdentityToken().isEmpty()) {
            return new Credential.IdentityToken("", a.getIdentityToken());
        }
        if (!a.getAuth().isEmpty()) {
            String decoded;
            try {
                decoded = new String(Base64.getDecoder().decode(a.getAuth().trim()), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("auth of the PullImage for " + registry + " is not base64");
            }
            int colon = decoded.indexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException("auth of the PullImage for " + registry
                        + " is not base64 of user:password");
            }
            return new Credential.Basic(decoded.substring(0, colon), trimNuls(decoded.substring(colon + 1)));
        }
        return Credential.ANONYMOUS;
    }

    private static String trimNuls(String s) {
        int start = 0;
        int end = s.length();
        while (start < end && s.charAt(start) == '\0') {
            start++;
        }
        while (end > start && s.charAt(end - 1) == '\0') {
            end--;
        }
        return s.substring(start, end);
    }

    private static String key(String registry, String repository) {
        return registry + "/" + repository;
    }

    @Override
    public String toString() {
        return "CRI PullImage credentials of " + byRepository.size() + " repositories";
    }
}
