package dev.estargz.fusefs.index;

import java.util.List;

/**
 * Which xattr an opaque directory ({@code .wh..wh..opq} inside it) reports to overlayfs: {@code trusted.} for a
 * rootful overlay, {@code user.} when overlayfs runs with {@code userxattr} (rootless), or both.
 */
public enum OverlayOpaque {
    TRUSTED(List.of("trusted.overlay.opaque")),
    USER(List.of("user.overlay.opaque")),
    ALL(List.of("trusted.overlay.opaque", "user.overlay.opaque"));

    private final List<String> names;

    OverlayOpaque(List<String> names) {
        this.names = names;
    }

    /** The xattr names set to {@code y} on an opaque directory. */
    public List<String> xattrNames() {
        return names;
    }
}
