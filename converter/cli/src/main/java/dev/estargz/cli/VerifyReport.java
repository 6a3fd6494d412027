package dev.estargz.cli;

import java.io.PrintWriter;

/** What {@code verify} found, as text or JSON. */
record VerifyReport(String blob, String tocDigest, boolean tocDigestChecked, long chunksVerified) {
    void print(PrintWriter out, boolean json) {
        if (json) {
            out.println(Json.object()
                    .put("blob", blob)
                    .put("tocDigest", tocDigest)
                    .put("tocDigestChecked", tocDigestChecked)
                    .put("chunksVerified", chunksVerified)
                    .put("ok", true));
            return;
        }
        out.println(blob + ": OK");
        out.println("  TOC digest: " + tocDigest + (tocDigestChecked ? " (matches --toc-digest)"
                : " (not checked: no --toc-digest given)"));
        out.println("  chunks:     " + chunksVerified + " verified against the TOC");
    }
}
