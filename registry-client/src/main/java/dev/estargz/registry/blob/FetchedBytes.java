package dev.estargz.registry.blob;

import dev.estargz.registry.ByteRange;

import java.util.Map;
import java.util.TreeMap;

/** Bytes fetched so far, keyed by blob offset, from which requested ranges are cut. */
final class FetchedBytes {
    private final TreeMap<Long, byte[]> byOffset = new TreeMap<>();

    void put(long offset, byte[] data) {
        byOffset.put(offset, data);
    }

    /** The bytes of {@code r}, or null when no single fetched piece covers all of it. */
    byte[] slice(ByteRange r) {
        if (r.length() == 0) {
            return new byte[0];
        }
        Map.Entry<Long, byte[]> e = byOffset.floorEntry(r.offset());
        if (e == null || e.getKey() + e.getValue().length < r.end()) {
            return null;
        }
        int from = (int) (r.offset() - e.getKey());
        if (from == 0 && e.getValue().length == r.length()) {
            return e.getValue(); // the piece is the range: no copy (readers never write into what a read returns)
        }
        byte[] out = new byte[(int) r.length()];
        System.arraycopy(e.getValue(), from, out, 0, out.length);
        return out;
    }
}
