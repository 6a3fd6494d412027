package dev.estargz.cli;

import java.io.PrintWriter;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.estargz.format.reader.EStargzReader;
import dev.estargz.format.toc.EntryType;
import dev.estargz.format.toc.TocEntry;

/** What {@code inspect} shows, gathered from a reader, as text or JSON. */
record InspectReport(String blob, long blobSize, String footerKind, int footerSize, long tocOffset,
        String tocDigest, Map<EntryType, Integer> counts, String landmark, Optional<Long> prefetchSize,
        List<TocEntry> entries) {

    static InspectReport of(String blob, EStargzReader r) {
        Map<EntryType, Integer> counts = new EnumMap<>(EntryType.class);
        for (EntryType t : EntryType.values()) {
            counts.put(t, 0);
        }
        for (TocEntry e : r.entries()) {
            counts.merge(e.type(), 1, Integer::sum);
        }
        String landmark = r.lookup(EStargzReader.PREFETCH_LANDMARK).isPresent() ? EStargzReader.PREFETCH_LANDMARK
                : r.lookup(EStargzReader.NO_PREFETCH_LANDMARK).isPresent() ? EStargzReader.NO_PREFETCH_LANDMARK
                : "none";
        return new InspectReport(blob, r.blobSize(), r.footer().kind(), r.footer().size(), r.tocOffset(),
                r.tocDigest().toString(), counts, landmark, r.prefetchSize(), r.entries());
    }

    void print(PrintWriter out, boolean json, boolean withEntries) {
        if (json) {
            out.println(toJson(withEntries));
            return;
        }
        out.println("blob:          " + blob + ", " + Sizes.human(blobSize));
        out.println("footer:        " + footerKind + " (" + footerSize + " bytes)");
        out.println("TOC offset:    " + tocOffset);
        out.println("TOC digest:    " + tocDigest);
        StringBuilder sb = new StringBuilder();
        int total = 0;
        for (Map.Entry<EntryType, Integer> c : counts.entrySet()) {
            total += c.getValue();
            if (c.getValue() > 0) {
                sb.append(sb.length() == 0 ? "" : ", ").append(c.getKey().json()).append(' ').append(c.getValue());
            }
        }
        out.println("TOC entries:   " + total + (sb.length() > 0 ? " (" + sb + ")" : ""));
        out.println("landmark:      " + landmark);
        out.println("prefetch size: " + prefetchSize.map(Sizes::human).orElse("none (no landmark)"));
        if (withEntries) {
            out.println("entries:");
            out.printf("  %-8s %6s %11s %12s %12s  %s%n", "TYPE", "MODE", "UID:GID", "SIZE", "OFFSET", "NAME");
            for (TocEntry e : entries) {
                String name = e.name().isEmpty() ? "/" : e.name();
                if (!e.linkName().isEmpty()) {
                    name += (e.type() == EntryType.HARDLINK ? " => " : " -> ") + e.linkName();
                }
                long size = e.type() == EntryType.CHUNK ? e.chunkSize() : e.size();
                out.printf("  %-8s %6s %11s %12d %12d  %s%n", e.type().json(), Long.toOctalString(e.mode() & 07777),
                        e.uid() + ":" + e.gid(), size, e.offset(), name);
            }
        }
    }

    ObjectNode toJson(boolean withEntries) {
        ObjectNode o = Json.object()
                .put("blob", blob)
                .put("blobSize", blobSize)
                .put("footer", footerKind)
                .put("footerSize", footerSize)
                .put("tocOffset", tocOffset)
                .put("tocDigest", tocDigest)
                .put("landmark", landmark);
        if (prefetchSize.isPresent()) {
            o.put("prefetchSize", prefetchSize.get());
        } else {
            o.putNull("prefetchSize");
        }
        ObjectNode c = o.putObject("entryCounts");
        counts.forEach((t, n) -> c.put(t.json(), n));
        if (withEntries) {
            ArrayNode a = o.putArray("entries");
            for (TocEntry e : entries) {
                ObjectNode j = a.addObject().put("name", e.name()).put("type", e.type().json())
                        .put("mode", e.mode() & 07777).put("uid", e.uid()).put("gid", e.gid())
                        .put("size", e.type() == EntryType.CHUNK ? e.chunkSize() : e.size())
                        .put("offset", e.offset());
                if (!e.linkName().isEmpty()) {
                    j.put("linkName", e.linkName());
                }
                if (e.type().carriesData()) {
                    j.put("chunkOffset", e.chunkOffset()).put("chunkDigest", e.chunkDigest());
                }
            }
        }
        return o;
    }
}
