package dev.estargz.format.writer;

import dev.estargz.format.InvalidLayerException;
import dev.estargz.format.codec.GzipCodec;
import dev.estargz.format.reader.EStargzReader;
import dev.estargz.format.tar.TarRecord;
import dev.estargz.format.toc.EntryName;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * The entries of an input tar, checked and put in eStargz order: a later duplicate replaces an earlier one,
 * existing landmarks are dropped, prioritised files go first with their parent directories and hardlink targets.
 */
final class LayerEntries {
    private final String layer;
    private final LinkedHashMap<String, TarRecord> byName = new LinkedHashMap<>();

    LayerEntries(String layer) {
        this.layer = layer;
    }

    private InvalidLayerException bad(TarRecord r, String message) {
        return new InvalidLayerException(layer, r.name(), r.headerOffset(), message, null);
    }

    /** Adds the next tar entry, refusing names and links that would escape the layer or dangle. */
    void add(TarRecord r) throws InvalidLayerException {
        if (!EntryName.staysInsideRoot(r.name())) {
            throw bad(r, "entry name is absolute or climbs out of the layer root with \"..\"");
        }
        String name = EntryName.clean(r.name());
        if (name.equals(GzipCodec.TOC_TAR_NAME)) {
            throw bad(r, "the layer already contains " + GzipCodec.TOC_TAR_NAME
                    + " (is it eStargz already? convert its decompressed tar without that entry)");
        }
        if (name.equals(EStargzReader.PREFETCH_LANDMARK) || name.equals(EStargzReader.NO_PREFETCH_LANDMARK)) {
            return; // replaced by the landmark this conversion writes
        }
        if (r.typeflag() == TarRecord.HARDLINK) {
            if (!EntryName.staysInsideRoot(r.linkName())) {
                throw bad(r, "hardlink target \"" + r.linkName() + "\" is absolute or outside the layer root");
            }
            TarRecord target = byName.get(EntryName.clean(r.linkName()));
            if (target == null) {
                throw bad(r, "hardlink target \"" + r.linkName() + "\" is not an earlier entry of the layer");
            }
            if (target.typeflag() == TarRecord.DIR) {
                throw bad(r, "hardlink to directory \"" + r.linkName() + "\"");
            }
        }
        for (String p = EntryName.parent(name); !p.isEmpty(); p = EntryName.parent(p)) {
            TarRecord ancestor = byName.get(p);
            if (ancestor != null && ancestor.typeflag() != TarRecord.DIR) {
                throw bad(r, "entry lies below \"" + ancestor.name() + "\", which is not a directory"
                        + (ancestor.typeflag() == TarRecord.SYMLINK ? " but a symlink" : ""));
            }
        }
        byName.remove(name); // a later duplicate replaces the earlier one, at the later position
        byName.put(name, r);
    }

    /**
     * The output order. With prioritised files: those (each after its parents and, for hardlinks, its target),
     * then {@code .prefetch.landmark}, then the rest; without: {@code .no.prefetch.landmark}, then everything.
     *
     * @param missing collects prioritised paths not in the layer when {@code allowNotFound}
     */
    List<LayerItem> order(List<String> prioritized, boolean allowNotFound, List<String> missing)
            throws InvalidLayerException {
        LinkedHashMap<String, TarRecord> rest = new LinkedHashMap<>(byName);
        List<LayerItem> out = new ArrayList<>(rest.size() + 1);
        if (prioritized.isEmpty()) {
            out.add(new LayerItem.Landmark(EStargzReader.NO_PREFETCH_LANDMARK));
        } else {
            java.util.Set<String> moved = new java.util.HashSet<>();
            for (String p : prioritized) {
                String name = EntryName.clean(p);
                if (!rest.containsKey(name) && !moved.contains(name)) {
                    if (!allowNotFound) {
                        throw new InvalidLayerException(layer, p, -1, "prioritised file is not in the layer", null);
                    }
                    missing.add(p);
                    continue;
                }
                move(name, rest, moved, out, 0);
            }
            out.add(new LayerItem.Landmark(EStargzReader.PREFETCH_LANDMARK));
        }
        for (TarRecord r : rest.values()) {
            out.add(new LayerItem.FromTar(r));
        }
        return out;
    }

    private void move(String name, LinkedHashMap<String, TarRecord> rest, java.util.Set<String> moved,
            List<LayerItem> out, int depth) {
        if (depth > 4096) {
            return; // cannot happen for checked input (links point to earlier entries); guards recursion anyway
        }
        if (!name.isEmpty()) {
            // Unlike the reference, a parent directory missing from the tar does not make the file "not found".
            move(EntryName.parent(name), rest, moved, out, depth + 1);
        }
        TarRecord r = rest.get(name);
        if (r == null) {
            return;
        }
        if (r.typeflag() == TarRecord.HARDLINK) {
            move(EntryName.clean(r.linkName()), rest, moved, out, depth + 1);
        }
        if (rest.remove(name) != null) {
            moved.add(name);
            out.add(new LayerItem.FromTar(r));
        }
    }

    int size() {
        return byName.size();
    }
}
