package dev.estargz.fusefs.mount;

import dev.estargz.registry.Digest;

/**
 * Progress of one served layer, as the state file {@code /.stargz-snapshotter/<digest>.json} reports it.
 *
 * @param fetchedSize    blob bytes that are local (TOC and footer, and every cached chunk's member)
 * @param prefetchDone   the prioritised region is cached (or there was none)
 * @param requests       range requests made to the blob source
 */
public record LayerState(Digest digest, long size, long fetchedSize, double fetchedPercent, boolean prefetchDone,
        long requests) {

    /** The state file's JSON as the reference writes it (Go's {@code json.Marshal} plus a newline). */
    public String json() {
        String pct = fetchedPercent == Math.rint(fetchedPercent) && !Double.isInfinite(fetchedPercent)
                ? Long.toString((long) fetchedPercent) : Double.toString(fetchedPercent);
        return "{\"digest\":\"" + digest + "\",\"size\":" + size + ",\"fetchedSize\":" + fetchedSize
                + ",\"fetchedPercent\":" + pct + "}\n";
    }
}
