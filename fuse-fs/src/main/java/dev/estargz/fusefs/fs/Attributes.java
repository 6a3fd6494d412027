package dev.estargz.fusefs.fs;

/**
 * What {@code stat} shows for a node.
 *
 * @param blocks 512-byte blocks, as {@code st_blocks} counts them
 */
public record Attributes(long ino, int mode, int nlink, long uid, long gid, long rdev, long size, long blocks,
        long mtimeSeconds) {
}
