package dev.estargz.cli;

import java.io.PrintWriter;

import dev.estargz.format.writer.ConvertResult;

/** What {@code convert} produced, as text or JSON (the digests a manifest and its annotations need). */
record ConvertReport(String in, String out, ConvertResult r) {
    void print(PrintWriter w, boolean json) {
        if (json) {
            var o = Json.object()
                    .put("input", in)
                    .put("output", out)
                    .put("blobDigest", r.blobDigest().toString())
                    .put("diffID", r.diffId().toString())
                    .put("tocDigest", r.tocDigest().toString())
                    .put("blobSize", r.blobSize())
                    .put("uncompressedSize", r.uncompressedSize())
                    .put("tocOffset", r.tocOffset())
                    .put("tocEntries", r.tocEntries())
                    .put("prefetchSize", r.prefetchSize());
            var missing = o.putArray("missingPrioritizedFiles");
            r.missingPrioritizedFiles().forEach(missing::add);
            w.println(o);
            return;
        }
        w.println(in + " -> " + out);
        w.println("  blob digest:       " + r.blobDigest());
        w.println("  diffID:            " + r.diffId());
        w.println("  TOC digest:        " + r.tocDigest());
        w.println("  blob size:         " + Sizes.human(r.blobSize()));
        w.println("  uncompressed size: " + Sizes.human(r.uncompressedSize()));
        w.println("  TOC offset:        " + r.tocOffset() + " (" + r.tocEntries() + " entries)");
        w.println("  prefetch size:     " + Sizes.human(r.prefetchSize()));
        if (!r.missingPrioritizedFiles().isEmpty()) {
            w.println("  not in the layer:  " + r.missingPrioritizedFiles().size() + " prioritised file(s), e.g. "
                    + r.missingPrioritizedFiles().get(0));
        }
    }
}
