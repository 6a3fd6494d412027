package dev.estargz.bench.link;

/**
 * Counters of a {@link SlowLink} since it started.
 *
 * @param connections connections accepted
 * @param bytesUp     bytes delivered client → target
 * @param bytesDown   bytes delivered target → client
 */
public record LinkStats(long connections, long bytesUp, long bytesDown) {
    /** The difference {@code this - earlier}, for what happened between two snapshots. */
    public LinkStats minus(LinkStats earlier) {
        return new LinkStats(connections - earlier.connections, bytesUp - earlier.bytesUp,
                bytesDown - earlier.bytesDown);
    }
}
