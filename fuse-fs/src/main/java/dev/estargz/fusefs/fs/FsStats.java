package dev.estargz.fusefs.fs;

/** What {@code statfs} shows: block size, number of files, longest name. */
public record FsStats(long blockSize, long files, long nameMax) {
}
