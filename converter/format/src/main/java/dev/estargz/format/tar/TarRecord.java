package dev.estargz.format.tar;

import java.util.SortedMap;

/**
 * One tar entry as found in an input tar, with where its header blocks (extension headers included) and its
 * payload sit in that file, so the entry can be copied verbatim in any order.
 *
 * @param typeflag     the entry type, normalised as Go does ({@code '\0'} becomes {@code '0'}, or {@code '5'} for
 *                     names ending in a slash)
 * @param headerOffset where this entry's first header block (a PAX or GNU long-name block if any) starts
 * @param dataOffset   where its payload starts (right after its last header block)
 * @param xattrs       from PAX {@code SCHILY.xattr.*} records, values as raw bytes
 */
public record TarRecord(String name, char typeflag, String linkName, long mode, long uid, long gid, String userName,
        String groupName, long mtimeSeconds, int mtimeNanos, long size, int devMajor, int devMinor,
        SortedMap<String, byte[]> xattrs, long headerOffset, long dataOffset) {

    public static final char REG = '0';
    public static final char HARDLINK = '1';
    public static final char SYMLINK = '2';
    public static final char CHAR = '3';
    public static final char BLOCK = '4';
    public static final char DIR = '5';
    public static final char FIFO = '6';

    /** Bytes of header blocks (extension headers included) before the payload. */
    public long headerLength() {
        return dataOffset - headerOffset;
    }

    /** Payload bytes that follow the header: the size for regular files, nothing for the other types. */
    public long payloadLength() {
        return typeflag == REG ? size : 0;
    }
}
