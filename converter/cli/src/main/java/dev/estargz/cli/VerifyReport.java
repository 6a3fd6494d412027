package dev.estargz.cli;

import java.io.PrintWriter;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What {@code verify} found, as text or JSON.
 *
 * @param checkedAgainst where the expected TOC digest came from ({@code --toc-digest} or the layer's annotation);
 *                       null when none was given and the TOC was only checked for consistency
 */
record VerifyReport(String blob, String tocDigest, String checkedAgainst, long chunksVerified) {
    void print(PrintWriter out, boolean json) {
        if (json) {
            out.println(toJson());
            return;
        }
        out.println(blob + ": OK");
        out.println("  TOC digest: " + tocDigest + (checkedAgainst != null ? " (matches " + checkedAgainst + ")"
                : " (not checked: no --toc-digest given)"));
        out.println("  chunks:     " + chunksVerified + " verified against the TOC");
    }

    ObjectNode toJson() {
        return Json.object()
                .put("blob", blob)
                .put("tocDigest", tocDigest)
                .put("tocDigestChecked", checkedAgainst != null)
                .put("chunksVerified", chunksVerified)
                .put("ok", true);
    }
}
