package dev.estargz.format.toc;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One entry of a TOC as stored in its JSON: absent fields are 0 or {@code ""}; names, owner names and
 * modification time are kept exactly as written so that a TOC re-encodes to the same bytes.
 *
 * @param name        the tar path as written ({@code ./a}, {@code a/}, …); see {@link EntryName#clean}
 * @param modTime     RFC 3339 text, {@code ""} when zero or unknown
 * @param mode        the raw tar mode field (may include type bits)
 * @param userName    the owner name, or {@code ""} when the writer left it out because it did not change
 * @param offset      compressed offset of the member holding this entry's payload (reg/chunk), 0 when none
 * @param innerOffset uncompressed offset of the payload inside that member (smaller-eStargz mode), usually 0
 * @param xattrs      extended attributes, sorted by the UTF-8 bytes of their names
 * @param chunkSize   size of this chunk; 0 means "to the end of the file"
 */
public record TocEntry(
        String name,
        EntryType type,
        long size,
        String modTime,
        String linkName,
        long mode,
        long uid,
        long gid,
        String userName,
        String groupName,
        long offset,
        long innerOffset,
        int devMajor,
        int devMinor,
        SortedMap<String, byte[]> xattrs,
        String digest,
        long chunkOffset,
        long chunkSize,
        String chunkDigest) {

    /** Orders strings as Go does (by UTF-8 bytes), which differs from {@link String#compareTo} above U+FFFF. */
    public static final Comparator<String> UTF8_ORDER = (a, b) -> Arrays.compareUnsigned(
            a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));

    private static final SortedMap<String, byte[]> NO_XATTRS = Collections.unmodifiableSortedMap(new TreeMap<>(UTF8_ORDER));
    private static final DateTimeFormatter RFC3339_SECONDS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss'Z'");

    public TocEntry {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        modTime = modTime == null ? "" : modTime;
        linkName = linkName == null ? "" : linkName;
        userName = userName == null ? "" : userName;
        groupName = groupName == null ? "" : groupName;
        digest = digest == null ? "" : digest;
        chunkDigest = chunkDigest == null ? "" : chunkDigest;
        if (xattrs == null || xattrs.isEmpty()) {
            xattrs = NO_XATTRS;
        } else if (xattrs != NO_XATTRS) {
            TreeMap<String, byte[]> copy = new TreeMap<>(UTF8_ORDER);
            xattrs.forEach((k, v) -> copy.put(k, v.clone()));
            xattrs = Collections.unmodifiableSortedMap(copy);
        }
    }

    /** A builder for a new entry of the given name and type. */
    public static Builder builder(String name, EntryType type) {
        return new Builder(name, type);
    }

    /** A builder initialised from this entry. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** The modification time, {@link Instant#EPOCH} when absent or unparsable (the reference ignores errors). */
    public Instant modTimeInstant() {
        if (modTime.isEmpty()) {
            return Instant.EPOCH;
        }
        long utcSeconds = utcSeconds(modTime);
        if (utcSeconds != Long.MIN_VALUE) {
            return Instant.ofEpochSecond(utcSeconds);
        }
        try {
            return OffsetDateTime.parse(modTime, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
        } catch (DateTimeParseException e) {
            return Instant.EPOCH;
        }
    }

    /**
     * The seconds of the form every converter writes, {@code yyyy-MM-ddTHH:mm:ssZ}, read without the
     * general-purpose parser (which allocated a fifth of the bytes of indexing a layer); {@code Long.MIN_VALUE} for
     * any other text (fractions, offsets, invalid fields), which the parser then decides on.
     */
    static long utcSeconds(String t) {
        if (t.length() != 20 || t.charAt(4) != '-' || t.charAt(7) != '-' || t.charAt(10) != 'T'
                || t.charAt(13) != ':' || t.charAt(16) != ':' || t.charAt(19) != 'Z') {
            return Long.MIN_VALUE;
        }
        int year = digits(t, 0, 4);
        int month = digits(t, 5, 2);
        int day = digits(t, 8, 2);
        int hour = digits(t, 11, 2);
        int minute = digits(t, 14, 2);
        int second = digits(t, 17, 2);
        if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59
                || second < 0 || second > 59 || day > java.time.YearMonth.of(year, month).lengthOfMonth()) {
            return Long.MIN_VALUE;
        }
        return java.time.LocalDate.of(year, month, day).toEpochDay() * 86_400L + hour * 3600L + minute * 60L + second;
    }

    /** The decimal number in {@code t[from, from + count)}, or -1 when a character there is not an ASCII digit. */
    private static int digits(String t, int from, int count) {
        int v = 0;
        for (int i = from; i < from + count; i++) {
            char c = t.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    /**
     * Formats a tar modification time as the reference does: UTC, rounded to the nearest second (halves up),
     * and {@code ""} when the time is the Unix epoch second.
     */
    public static String formatModTime(long epochSecond, int nanos) {
        long seconds = epochSecond + (nanos >= 500_000_000 ? 1 : 0);
        if (epochSecond == 0) {
            return "";
        }
        LocalDateTime t = LocalDateTime.ofEpochSecond(seconds, 0, ZoneOffset.UTC);
        if (t.getYear() < 0 || t.getYear() > 9999) {
            // Go prints such years without a sign or with more digits; they only come from hostile tars.
            return String.format("%04d-%02d-%02dT%02d:%02d:%02dZ", t.getYear(), t.getMonthValue(),
                    t.getDayOfMonth(), t.getHour(), t.getMinute(), t.getSecond());
        }
        return RFC3339_SECONDS.format(t);
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof TocEntry e)) {
            return false;
        }
        return name.equals(e.name) && type == e.type && size == e.size && modTime.equals(e.modTime)
                && linkName.equals(e.linkName) && mode == e.mode && uid == e.uid && gid == e.gid
                && userName.equals(e.userName) && groupName.equals(e.groupName) && offset == e.offset
                && innerOffset == e.innerOffset && devMajor == e.devMajor && devMinor == e.devMinor
                && xattrsEqual(xattrs, e.xattrs) && digest.equals(e.digest) && chunkOffset == e.chunkOffset
                && chunkSize == e.chunkSize && chunkDigest.equals(e.chunkDigest);
    }

    private static boolean xattrsEqual(Map<String, byte[]> a, Map<String, byte[]> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (Map.Entry<String, byte[]> x : a.entrySet()) {
            byte[] other = b.get(x.getKey());
            if (other == null || !Arrays.equals(x.getValue(), other)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, type, size, offset, chunkOffset, digest, chunkDigest);
    }

    @Override
    public String toString() {
        return "TocEntry[" + type.json() + " " + name + (size != 0 ? " size=" + size : "")
                + (offset != 0 ? " offset=" + offset : "") + (chunkOffset != 0 ? " chunkOffset=" + chunkOffset : "")
                + (chunkSize != 0 ? " chunkSize=" + chunkSize : "") + "]";
    }

    /** Mutable builder; every field starts at its JSON zero value. */
    public static final class Builder {
        private String name;
        private EntryType type;
        private long size;
        private String modTime = "";
        private String linkName = "";
        private long mode;
        private long uid;
        private long gid;
        private String userName = "";
        private String groupName = "";
        private long offset;
        private long innerOffset;
        private int devMajor;
        private int devMinor;
        private SortedMap<String, byte[]> xattrs;
        private String digest = "";
        private long chunkOffset;
        private long chunkSize;
        private String chunkDigest = "";

        private Builder(String name, EntryType type) {
            this.name = name;
            this.type = type;
        }

        private Builder(TocEntry e) {
            name = e.name;
            type = e.type;
            size = e.size;
            modTime = e.modTime;
            linkName = e.linkName;
            mode = e.mode;
            uid = e.uid;
            gid = e.gid;
            userName = e.userName;
            groupName = e.groupName;
            offset = e.offset;
            innerOffset = e.innerOffset;
            devMajor = e.devMajor;
            devMinor = e.devMinor;
            xattrs = e.xattrs;
            digest = e.digest;
            chunkOffset = e.chunkOffset;
            chunkSize = e.chunkSize;
            chunkDigest = e.chunkDigest;
        }

        public Builder name(String v) { name = v; return this; }
        public Builder type(EntryType v) { type = v; return this; }
        public Builder size(long v) { size = v; return this; }
        public Builder modTime(String v) { modTime = v; return this; }
        public Builder linkName(String v) { linkName = v; return this; }
        public Builder mode(long v) { mode = v; return this; }
        public Builder uid(long v) { uid = v; return this; }
        public Builder gid(long v) { gid = v; return this; }
        public Builder userName(String v) { userName = v; return this; }
        public Builder groupName(String v) { groupName = v; return this; }
        public Builder offset(long v) { offset = v; return this; }
        public Builder innerOffset(long v) { innerOffset = v; return this; }
        public Builder devMajor(int v) { devMajor = v; return this; }
        public Builder devMinor(int v) { devMinor = v; return this; }
        public Builder xattrs(SortedMap<String, byte[]> v) { xattrs = v; return this; }
        public Builder digest(String v) { digest = v; return this; }
        public Builder chunkOffset(long v) { chunkOffset = v; return this; }
        public Builder chunkSize(long v) { chunkSize = v; return this; }
        public Builder chunkDigest(String v) { chunkDigest = v; return this; }

        /** The immutable entry. */
        public TocEntry build() {
            return new TocEntry(name, type, size, modTime, linkName, mode, uid, gid, userName, groupName, offset,
                    innerOffset, devMajor, devMinor, xattrs, digest, chunkOffset, chunkSize, chunkDigest);
        }
    }
}
