package dev.estargz.snapshotter.model;

/** Disk usage of a snapshot as containerd counts it: bytes of allocated blocks and distinct inodes. */
public record Usage(long size, long inodes) {
    /** Nothing used; what a remote snapshot reports, since its bytes live in the cache. */
    public static final Usage NONE = new Usage(0, 0);
}
