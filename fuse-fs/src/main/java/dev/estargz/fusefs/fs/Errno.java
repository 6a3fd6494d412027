package dev.estargz.fusefs.fs;

/** The errors the filesystem answers with; the FUSE adapter maps them to the platform's numbers. */
public enum Errno {
    ENOENT, ENOTDIR, EISDIR, EINVAL, EIO, ERANGE, ENODATA, EROFS, EACCES
}
