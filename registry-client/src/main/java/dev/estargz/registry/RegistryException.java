package dev.estargz.registry;

import java.io.IOException;

/**
 * A registry operation failed; {@link #kind()} says how, and the message names the reference, host and digest
 * involved. Never carries credentials or tokens.
 */
public final class RegistryException extends IOException {
    /** The closed set of ways a registry operation fails. */
    public enum Kind {
        /** 404 or MANIFEST_UNKNOWN / BLOB_UNKNOWN / NAME_UNKNOWN. */
        NOT_FOUND,
        /** 401 after trying the credentials we have; {@link #realm()} names the realm tried. */
        UNAUTHORIZED,
        /** 403 or DENIED: the credentials are valid but not allowed this operation. */
        DENIED,
        /** 429 after all retries. */
        TOO_MANY_REQUESTS,
        /** Content did not hash to the digest it was fetched by. */
        DIGEST_MISMATCH,
        /** The registry answered something that breaks the protocol (bad range, short body, bad JSON). */
        INVALID_RESPONSE,
        /** 5xx after all retries. */
        SERVER_ERROR,
        /** Connection refused, reset, TLS failure or timeout after all retries. */
        UNREACHABLE,
        /** Another 4xx the registry explained in its error body. */
        REJECTED
    }

    private final Kind kind;
    private final String reference;
    private final String host;
    private final String digest;
    private final String realm;
    private final int status;

    public RegistryException(Kind kind, String detail, String reference, String host, String digest, String realm,
                             int status, Throwable cause) {
        super(format(kind, detail, reference, host, digest, realm, status), cause);
        this.kind = kind;
        this.reference = reference;
        this.host = host;
        this.digest = digest;
        this.realm = realm;
        this.status = status;
    }

    private static String format(Kind kind, String detail, String reference, String host, String digest,
                                 String realm, int status) {
        StringBuilder sb = new StringBuilder(kind.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' '));
        if (reference != null) {
            sb.append(": ").append(reference);
        }
        if (digest != null && (reference == null || !reference.contains(digest))) {
            sb.append(" (").append(digest).append(')');
        }
        if (host != null) {
            sb.append(" at ").append(host);
        }
        if (status > 0) {
            sb.append(" [HTTP ").append(status).append(']');
        }
        if (realm != null) {
            sb.append(" realm ").append(realm);
        }
        if (detail != null && !detail.isEmpty()) {
            sb.append(": ").append(detail);
        }
        return sb.toString();
    }

    public Kind kind() {
        return kind;
    }

    /** The image reference or repository the operation was for; may be null. */
    public String reference() {
        return reference;
    }

    /** The registry or mirror host that answered; may be null. */
    public String host() {
        return host;
    }

    /** The digest of the blob or manifest involved; may be null. */
    public String digest() {
        return digest;
    }

    /** For UNAUTHORIZED, the auth realm tried; else null. */
    public String realm() {
        return realm;
    }

    /** The last HTTP status seen, or 0 when no response arrived. */
    public int status() {
        return status;
    }
}
