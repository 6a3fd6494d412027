package dev.estargz.registry.manifest;

import java.util.Locale;

/**
 * The os/architecture/variant an image in an index is built for; {@code variant} may be null.
 */
public record Platform(String os, String architecture, String variant) {
    public Platform {
        if (os == null || os.isEmpty() || architecture == null || architecture.isEmpty()) {
            throw new IllegalArgumentException("platform needs os and architecture: " + os + "/" + architecture);
        }
        if (variant != null && variant.isEmpty()) {
            variant = null;
        }
    }

    /** Parses {@code os/arch[/variant]}, e.g. {@code linux/arm64/v8}. */
    public static Platform parse(String text) {
        String[] p = text == null ? new String[0] : text.split("/", -1);
        if (p.length < 2 || p.length > 3) {
            throw new IllegalArgumentException("invalid platform \"" + text + "\": expected os/arch[/variant]");
        }
        return new Platform(p[0], p[1], p.length == 3 ? p[2] : null);
    }

    /** The platform of this JVM, with Go's architecture names (amd64, arm64, …). */
    public static Platform current() {
        String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
        String goArch = switch (arch) {
            case "x86_64", "amd64" -> "amd64";
            case "aarch64", "arm64" -> "arm64";
            case "x86", "i386", "i686" -> "386";
            case "ppc64le" -> "ppc64le";
            case "s390x" -> "s390x";
            case "riscv64" -> "riscv64";
            default -> arch;
        };
        String os = System.getProperty("os.name").toLowerCase(Locale.ROOT).startsWith("linux") ? "linux"
                : System.getProperty("os.name").toLowerCase(Locale.ROOT);
        return new Platform(os, goArch, null);
    }

    /**
     * True when an image built for {@code candidate} serves this platform. A request without a variant accepts
     * any variant; arm64's default variant v8 equals no variant, as containerd normalises it.
     */
    public boolean matches(Platform candidate) {
        if (!os.equals(candidate.os) || !architecture.equals(candidate.architecture)) {
            return false;
        }
        if (variant == null) {
            return true;
        }
        return normalisedVariant(variant).equals(normalisedVariant(candidate.variant));
    }

    private String normalisedVariant(String v) {
        if (v == null) {
            return "arm64".equals(architecture) ? "v8" : "";
        }
        return v;
    }

    @Override
    public String toString() {
        return os + "/" + architecture + (variant == null ? "" : "/" + variant);
    }
}
