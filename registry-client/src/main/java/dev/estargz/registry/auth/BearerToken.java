package dev.estargz.registry.auth;

import java.time.Instant;

/** A bearer token and the instant after which we stop using it; {@code toString} hides the token. */
record BearerToken(String value, Instant refreshAfter) {
    boolean usableAt(Instant now) {
        return now.isBefore(refreshAfter);
    }

    @Override
    public String toString() {
        return "BearerToken[<redacted>, refreshAfter=" + refreshAfter + "]";
    }
}
