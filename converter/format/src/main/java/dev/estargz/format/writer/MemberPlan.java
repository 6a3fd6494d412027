package dev.estargz.format.writer;

import dev.estargz.format.tar.TarRecord;
import dev.estargz.format.tar.UstarHeader;
import dev.estargz.format.toc.EntryType;
import dev.estargz.format.toc.TocEntry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Lays the ordered entries out in gzip members as the reference's writer does: a tar header goes into the
 * member that is open, each payload chunk of a non-empty regular file opens a new member, tar padding stays with
 * the last chunk. Builds the TOC entries alongside; offsets and digests are filled in while the blob is written.
 */
final class MemberPlan {
    /** sha256 of nothing: the digest of every empty regular file. */
    static final String EMPTY_DIGEST = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    private final int chunkSize;
    private final List<TocEntry.Builder> entries = new ArrayList<>();
    private final List<MemberSpec> members = new ArrayList<>();
    private final Map<Long, String> lastUserName = new HashMap<>();
    private final Map<Long, String> lastGroupName = new HashMap<>();
    private List<MemberSpec.Segment> open;
    private int openChunkEntry = -1;
    private int openFileEntry = -1;
    private boolean openFirst;
    private boolean openLast;

    private MemberPlan(int chunkSize) {
        this.chunkSize = chunkSize;
    }

    /** Plans the members for items in output order. */
    static MemberPlan of(List<LayerItem> items, int chunkSize) {
        MemberPlan plan = new MemberPlan(chunkSize);
        for (LayerItem item : items) {
            plan.add(item);
        }
        plan.close();
        return plan;
    }

    List<TocEntry.Builder> entries() {
        return entries;
    }

    List<MemberSpec> members() {
        return members;
    }

    private void add(LayerItem item) {
        if (open == null) {
            openMember(-1, -1, false, false);
        }
        TocEntry.Builder ent;
        long size;
        String rawName;
        boolean regular = true;
        if (item instanceof LayerItem.FromTar t) {
            TarRecord r = t.record();
            open.add(new MemberSpec.FileRange(r.headerOffset(), r.headerLength()));
            ent = tocEntry(r);
            size = r.payloadLength();
            rawName = r.name();
            regular = r.typeflag() == TarRecord.REG;
        } else {
            LayerItem.Landmark l = (LayerItem.Landmark) item;
            open.add(new MemberSpec.Bytes(UstarHeader.regularFile(l.name(), 1)));
            // Go's zero Header: mode, owner and time all zero, no names, so no field beyond name/type/size.
            ent = TocEntry.builder(l.name(), EntryType.REG).size(1);
            size = 1;
            rawName = l.name();
        }
        if (size == 0) {
            if (regular) {
                ent.digest(EMPTY_DIGEST);
            }
            entries.add(ent);
            return;
        }
        int fileEntry = entries.size();
        long written = 0;
        while (written < size) {
            closeMember();
            long remain = size - written;
            long chunk = Math.min(remain, chunkSize);
            if (remain >= chunkSize) {
                ent.chunkSize(chunkSize); // also on an exact last chunk, as the reference writes it
            }
            ent.chunkOffset(written);
            entries.add(ent);
            openMember(entries.size() - 1, fileEntry, written == 0, written + chunk == size);
            if (item instanceof LayerItem.FromTar t) {
                open.add(new MemberSpec.FileRange(t.record().dataOffset() + written, chunk));
            } else {
                open.add(new MemberSpec.Bytes(new byte[] {LayerItem.Landmark.CONTENT}));
            }
            written += chunk;
            ent = TocEntry.builder(rawName, EntryType.CHUNK);
        }
        int pad = UstarHeader.padding(size);
        if (pad > 0) {
            open.add(new MemberSpec.Zeros(pad));
        }
    }

    private TocEntry.Builder tocEntry(TarRecord r) {
        TocEntry.Builder b = TocEntry.builder(r.name(), type(r.typeflag()))
                .mode(r.mode())
                .uid(r.uid())
                .gid(r.gid())
                .userName(nameIfChanged(lastUserName, r.uid(), r.userName()))
                .groupName(nameIfChanged(lastGroupName, r.gid(), r.groupName()))
                .modTime(TocEntry.formatModTime(r.mtimeSeconds(), r.mtimeNanos()))
                .xattrs(r.xattrs());
        switch (r.typeflag()) {
            case TarRecord.HARDLINK, TarRecord.SYMLINK -> b.linkName(r.linkName());
            case TarRecord.REG -> b.size(r.size());
            case TarRecord.CHAR, TarRecord.BLOCK -> b.devMajor(r.devMajor()).devMinor(r.devMinor());
            default -> {
            }
        }
        return b;
    }

    private static EntryType type(char flag) {
        return switch (flag) {
            case TarRecord.HARDLINK -> EntryType.HARDLINK;
            case TarRecord.SYMLINK -> EntryType.SYMLINK;
            case TarRecord.CHAR -> EntryType.CHAR;
            case TarRecord.BLOCK -> EntryType.BLOCK;
            case TarRecord.DIR -> EntryType.DIR;
            case TarRecord.FIFO -> EntryType.FIFO;
            default -> EntryType.REG;
        };
    }

    /** The reference writes an owner name only when it differs from the last one written for that id. */
    private static String nameIfChanged(Map<Long, String> last, long id, String name) {
        if (name.isEmpty() || name.equals(last.get(id))) {
            return "";
        }
        last.put(id, name);
        return name;
    }

    private void openMember(int chunkEntry, int fileEntry, boolean first, boolean last) {
        open = new ArrayList<>(4);
        openChunkEntry = chunkEntry;
        openFileEntry = fileEntry;
        openFirst = first;
        openLast = last;
    }

    private void closeMember() {
        if (open != null) {
            members.add(new MemberSpec(List.copyOf(open), openChunkEntry, openFileEntry, openFirst, openLast));
            open = null;
        }
    }

    private void close() {
        closeMember();
    }
}
