package dev.estargz.registry.blob;

import dev.estargz.registry.ByteRange;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Which ranges to fetch for a set of requested ranges: sorted, with overlapping, touching and nearby (within
 * {@code gap} bytes) ranges merged, then cut into batches of at most {@code maxPerRequest}.
 */
record RangePlan(List<List<ByteRange>> batches) {

    static RangePlan of(List<ByteRange> requested, long gap, int maxPerRequest) {
        List<ByteRange> sorted = requested.stream().filter(r -> r.length() > 0)
                .sorted(Comparator.comparingLong(ByteRange::offset)).toList();
        List<ByteRange> merged = new ArrayList<>();
        for (ByteRange r : sorted) {
            if (!merged.isEmpty()) {
                ByteRange last = merged.get(merged.size() - 1);
                if (r.offset() <= last.end() + gap) {
                    long end = Math.max(last.end(), r.end());
                    merged.set(merged.size() - 1, new ByteRange(last.offset(), end - last.offset()));
                    continue;
                }
            }
            merged.add(r);
        }
        List<List<ByteRange>> batches = new ArrayList<>();
        for (int i = 0; i < merged.size(); i += maxPerRequest) {
            batches.add(List.copyOf(merged.subList(i, Math.min(merged.size(), i + maxPerRequest))));
        }
        return new RangePlan(batches);
    }

    /** The {@code Range} header value for one batch. */
    static String header(List<ByteRange> batch) {
        StringBuilder sb = new StringBuilder("bytes=");
        for (int i = 0; i < batch.size(); i++) {
            ByteRange r = batch.get(i);
            sb.append(i == 0 ? "" : ",").append(r.offset()).append('-').append(r.end() - 1);
        }
        return sb.toString();
    }
}
