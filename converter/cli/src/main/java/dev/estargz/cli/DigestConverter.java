package dev.estargz.cli;

import dev.estargz.registry.Digest;
import picocli.CommandLine;

/** Parses {@code sha256:<hex>} options, so a mistyped digest is a usage error. */
final class DigestConverter implements CommandLine.ITypeConverter<Digest> {
    @Override
    public Digest convert(String value) {
        try {
            return Digest.parse(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException("not a digest (want sha256:<64 hex digits>): " + value);
        }
    }
}
