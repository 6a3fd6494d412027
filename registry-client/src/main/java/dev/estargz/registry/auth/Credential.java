package dev.estargz.registry.auth;

/** What we can present to a registry or its token service; {@code toString} never shows a secret. */
public sealed interface Credential {
    /** No credentials: anonymous token requests only. */
    record Anonymous() implements Credential {
    }

    /** A username and password (or a personal access token used as a password). */
    record Basic(String username, String password) implements Credential {
        @Override
        public String toString() {
            return "Basic[username=" + username + ", password=<redacted>]";
        }
    }

    /** An OAuth2 refresh token ({@code identitytoken} in Docker's config), exchanged at the token realm. */
    record IdentityToken(String username, String token) implements Credential {
        @Override
        public String toString() {
            return "IdentityToken[username=" + username + ", token=<redacted>]";
        }
    }

    Credential ANONYMOUS = new Anonymous();
}
