package dev.estargz.registry.reference;

import dev.estargz.registry.Digest;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * An image reference as users write it ({@code busybox}, {@code docker.io/library/busybox:1.36},
 * {@code host:5000/a/b@sha256:…}), normalised the way Docker does.
 *
 * @param registry   the registry name as written or implied ({@code docker.io}, {@code localhost:5000}); never the
 *                   API host, see {@link #apiHost()}
 * @param repository the repository path, with {@code library/} added for single-name Docker Hub images
 * @param tag        the tag, or null when only a digest was given
 * @param digest     the digest, or null
 */
public record ImageReference(String registry, String repository, String tag, Digest digest) {
    public static final String DOCKER_HUB = "docker.io";
    public static final String DOCKER_HUB_API_HOST = "registry-1.docker.io";
    private static final String DEFAULT_TAG = "latest";

    // The grammar of distribution/reference, simplified: components are lowercase alnum with separators.
    private static final Pattern COMPONENT = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");
    private static final Pattern TAG = Pattern.compile("[\\w][\\w.-]{0,127}");
    private static final Pattern HOST = Pattern.compile(
            "(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\\[[0-9a-fA-F:.]+\\])(?::[0-9]+)?");

    public ImageReference {
        if (registry == null || registry.isEmpty() || !HOST.matcher(registry).matches()) {
            throw new IllegalArgumentException("invalid registry host in image reference: " + registry);
        }
        if (repository == null || repository.isEmpty()) {
            throw new IllegalArgumentException("image reference has no repository");
        }
        for (String c : repository.split("/", -1)) {
            if (!COMPONENT.matcher(c).matches()) {
                throw new IllegalArgumentException("invalid repository \"" + repository + "\": component \"" + c
                        + "\" must be lowercase letters, digits and separators");
            }
        }
        if (tag != null && !TAG.matcher(tag).matches()) {
            throw new IllegalArgumentException("invalid tag \"" + tag + "\" in image reference");
        }
        if (tag == null && digest == null) {
            tag = DEFAULT_TAG;
        }
    }

    /** Parses a reference as Docker does; names without a registry go to Docker Hub, tag defaults to latest. */
    public static ImageReference parse(String text) {
        if (text == null || text.isBlank() || !text.equals(text.strip())) {
            throw new IllegalArgumentException("invalid image reference: \"" + text + "\"");
        }
        String rest = text;
        Digest digest = null;
        int at = rest.indexOf('@');
        if (at >= 0) {
            try {
                digest = Digest.parse(rest.substring(at + 1));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("invalid digest in image reference \"" + text + "\": " + e.getMessage(), e);
            }
            rest = rest.substring(0, at);
        }
        String tag = null;
        int lastSlash = rest.lastIndexOf('/');
        int colon = rest.lastIndexOf(':');
        if (colon > lastSlash) {
            tag = rest.substring(colon + 1);
            rest = rest.substring(0, colon);
        }
        String registry;
        String repository;
        int slash = rest.indexOf('/');
        String first = slash < 0 ? "" : rest.substring(0, slash);
        // Docker's rule: the first component is a host only if it has a dot, a port, or is "localhost".
        if (slash >= 0 && (first.contains(".") || first.contains(":") || first.equals("localhost")
                || first.startsWith("["))) {
            registry = first;
            repository = rest.substring(slash + 1);
        } else {
            registry = DOCKER_HUB;
            repository = rest;
        }
        if (registry.equals("index.docker.io") || registry.equals(DOCKER_HUB_API_HOST)) {
            registry = DOCKER_HUB;
        }
        if (registry.equals(DOCKER_HUB) && !repository.contains("/")) {
            repository = "library/" + repository;
        }
        try {
            return new ImageReference(registry, repository, tag, digest);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid image reference \"" + text + "\": " + e.getMessage(), e);
        }
    }

    /** The host to talk to for this registry: Docker Hub is served by {@value #DOCKER_HUB_API_HOST}. */
    public String apiHost() {
        return registry.equals(DOCKER_HUB) ? DOCKER_HUB_API_HOST : registry;
    }

    /** The host name without port or brackets, e.g. for loopback checks. */
    public String hostname() {
        return hostnameOf(registry);
    }

    /** What to ask the registry for: the digest when present (it wins over the tag), else the tag. */
    public String manifestReference() {
        return digest != null ? digest.toString() : tag;
    }

    public Optional<Digest> digestOptional() {
        return Optional.ofNullable(digest);
    }

    /** The same repository pinned to {@code d} (the tag is kept for display). */
    public ImageReference withDigest(Digest d) {
        return new ImageReference(registry, repository, tag, d);
    }

    /** The same repository with tag {@code t} and no digest. */
    public ImageReference withTag(String t) {
        return new ImageReference(registry, repository, t, null);
    }

    /** Another repository on the same registry. */
    public ImageReference withRepository(String repo) {
        return new ImageReference(registry, repo, tag, digest);
    }

    /** True for 127.0.0.0/8, localhost and ::1, which Docker talks to over plain HTTP by default. */
    public static boolean isLoopback(String hostWithOptionalPort) {
        String h = hostnameOf(hostWithOptionalPort).toLowerCase(Locale.ROOT);
        return h.equals("localhost") || h.equals("::1") || h.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");
    }

    static String hostnameOf(String hostPort) {
        if (hostPort.startsWith("[")) {
            int close = hostPort.indexOf(']');
            return close < 0 ? hostPort : hostPort.substring(1, close);
        }
        int c = hostPort.lastIndexOf(':');
        return c < 0 ? hostPort : hostPort.substring(0, c);
    }

    /** The canonical full form, {@code registry/repository[:tag][@digest]}. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(registry).append('/').append(repository);
        if (tag != null) {
            sb.append(':').append(tag);
        }
        if (digest != null) {
            sb.append('@').append(digest);
        }
        return sb.toString();
    }
}
