package dev.estargz.registry;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * A content digest as OCI writes it, {@code algorithm:hex}; only sha256 is computed here, but sha512 parses.
 */
public record Digest(String algorithm, String hex) {
    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern SHA512_HEX = Pattern.compile("[0-9a-f]{128}");

    public Digest {
        if ("sha256".equals(algorithm)) {
            if (!SHA256_HEX.matcher(hex).matches()) {
                throw new IllegalArgumentException("invalid sha256 digest: " + algorithm + ":" + hex);
            }
        } else if ("sha512".equals(algorithm)) {
            if (!SHA512_HEX.matcher(hex).matches()) {
                throw new IllegalArgumentException("invalid sha512 digest: " + algorithm + ":" + hex);
            }
        } else {
            throw new IllegalArgumentException("unsupported digest algorithm: " + algorithm);
        }
    }

    /** Parses {@code sha256:<64 lowercase hex>}; throws IllegalArgumentException naming the bad text. */
    public static Digest parse(String text) {
        int colon = text == null ? -1 : text.indexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("invalid digest: " + text);
        }
        return new Digest(text.substring(0, colon), text.substring(colon + 1));
    }

    /** The sha256 digest of {@code data}. */
    public static Digest sha256(byte[] data) {
        return ofSha256(newSha256().digest(data));
    }

    /** Wraps a finished 32-byte sha256 hash. */
    public static Digest ofSha256(byte[] hash) {
        return new Digest("sha256", HexFormat.of().formatHex(hash));
    }

    /** A fresh sha256 MessageDigest (always present in every JDK). */
    public static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from the JDK", e);
        }
    }

    /** A MessageDigest for this digest's algorithm, for verifying content against it. */
    public MessageDigest newHasher() {
        try {
            return MessageDigest.getInstance("sha256".equals(algorithm) ? "SHA-256" : "SHA-512");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(algorithm + " missing from the JDK", e);
        }
    }

    /** True when {@code data} hashes to this digest. */
    public boolean matches(byte[] data) {
        return MessageDigest.isEqual(HexFormat.of().parseHex(hex), newHasher().digest(data));
    }

    @Override
    public String toString() {
        return algorithm + ":" + hex;
    }
}
