package dev.estargz.format.reader;

/**
 * One independently fetchable piece of a regular file: file bytes {@code [fileOffset, fileOffset + size)} live
 * uncompressed at {@code innerOffset} of the member stored at blob bytes {@code [compressedOffset, compressedEnd)}.
 *
 * @param name   the file's normalised name
 * @param digest the digest the chunk's bytes must have ({@code chunkDigest}, or the file's {@code digest} when
 *               the TOC only has those); {@code ""} when the TOC gives none, and then the chunk cannot be read
 */
public record Chunk(String name, long fileOffset, int size, long compressedOffset, long compressedEnd,
        long innerOffset, String digest) {

    /** Compressed bytes to fetch. */
    public long compressedSize() {
        return compressedEnd - compressedOffset;
    }

    /** The first file offset past this chunk. */
    public long fileEnd() {
        return fileOffset + size;
    }
}
