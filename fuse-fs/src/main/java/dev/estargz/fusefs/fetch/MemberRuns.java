package dev.estargz.fusefs.fetch;

import dev.estargz.fusefs.index.LayerIndex;
import dev.estargz.registry.ByteRange;
import java.util.ArrayList;
import java.util.List;

/**
 * Groups the members of chunks (sorted by blob offset) into byte ranges to request: members that touch or lie
 * closer than {@code gap} share one range; a span never grows past {@code maxSpan} unless one member alone does.
 */
record MemberRuns(List<ByteRange> ranges) {

    static MemberRuns of(LayerIndex index, List<Integer> sortedChunks, long gap, long maxSpan) {
        List<ByteRange> out = new ArrayList<>();
        long start = -1;
        long end = -1;
        for (int c : sortedChunks) {
            long off = index.chunkCompressedOffset(c);
            long e = off + index.chunkCompressedLength(c);
            if (start >= 0 && off <= end + gap && Math.max(end, e) - start <= maxSpan) {
                end = Math.max(end, e);
            } else {
                if (start >= 0) {
                    out.add(new ByteRange(start, end - start));
                }
                start = off;
                end = e;
            }
        }
        if (start >= 0) {
            out.add(new ByteRange(start, end - start));
        }
        return new MemberRuns(out);
    }

    /** The range that holds the member starting at {@code offset}. */
    int rangeOf(long offset) {
        for (int i = 0; i < ranges.size(); i++) {
            ByteRange r = ranges.get(i);
            if (offset >= r.offset() && offset < r.end()) {
                return i;
            }
        }
        throw new IllegalStateException("no range holds offset " + offset);
    }
}
