package dev.estargz.snapshotter.snapshot;

import dev.estargz.snapshotter.model.Kind;
import dev.estargz.snapshotter.model.StoreException;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The on-disk layout under {@code <root>/snapshotter}: {@code metadata.db} and {@code snapshots/<id>/{fs,work}},
 * as the reference lays it out. New directories are built under a temporary name and renamed into place
 * inside the metadata transaction, so a committed snapshot never points at a missing directory; anything in
 * {@code snapshots/} that no snapshot owns (temporary, removed or orphaned by a crash) is deleted by cleanup.
 */
final class SnapshotDirectories {
    static final String TEMP_PREFIX = "new-";
    static final String REMOVED_PREFIX = "rm-";

    private final Path root;
    private final Path snapshots;

    SnapshotDirectories(Path root) {
        this.root = root;
        this.snapshots = root.resolve("snapshots");
        try {
            mkdirs(root);
            if (!Files.isDirectory(snapshots)) {
                Files.createDirectory(snapshots);
                Files.setPosixFilePermissions(snapshots, PosixFilePermissions.fromString("rwx------"));
            }
        } catch (IOException e) {
            throw new StoreException("cannot create snapshotter directories", root, e);
        }
    }

    private static void mkdirs(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        }
    }

    Path root() {
        return root;
    }

    Path metadataFile() {
        return root.resolve("metadata.db");
    }

    Path snapshotsDir() {
        return snapshots;
    }

    Path upper(String id) {
        return snapshots.resolve(id).resolve("fs");
    }

    Path work(String id) {
        return snapshots.resolve(id).resolve("work");
    }

    /** A fresh temporary directory with {@code fs} (0755) and, for active snapshots, {@code work} (0711). */
    Path createTemp(Kind kind) {
        try {
            Path td = Files.createTempDirectory(snapshots, TEMP_PREFIX);
            Path fs = Files.createDirectory(td.resolve("fs"));
            Files.setPosixFilePermissions(fs, PosixFilePermissions.fromString("rwxr-xr-x"));
            if (kind == Kind.ACTIVE) {
                Path work = Files.createDirectory(td.resolve("work"));
                Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwx--x--x"));
            }
            return td;
        } catch (IOException e) {
            throw new StoreException("failed to create prepare snapshot dir", snapshots, e);
        }
    }

    /** Gives the new {@code fs} the owner of the parent's {@code fs}, as containerd does for image layers. */
    void copyOwner(Path temp, String parentId) {
        Path parentFs = upper(parentId);
        try {
            Object uid = Files.getAttribute(parentFs, "unix:uid");
            Object gid = Files.getAttribute(parentFs, "unix:gid");
            Files.setAttribute(temp.resolve("fs"), "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
            Files.setAttribute(temp.resolve("fs"), "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            throw new StoreException("failed to stat parent or chown", parentFs, e);
        }
    }

    /** Moves a temporary directory to {@code snapshots/<id>} (atomic rename in one directory). */
    void place(Path temp, String id) {
        Path target = snapshots.resolve(id);
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException e) {
            throw new StoreException("failed to rename: directory already exists", target, e);
        } catch (IOException e) {
            throw new StoreException("failed to rename", target, e);
        }
    }

    /** Renames {@code snapshots/<id>} out of the way after its metadata is gone; cleanup deletes it. */
    void retire(String id) throws IOException {
        Path dir = snapshots.resolve(id);
        if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            Files.move(dir, snapshots.resolve(REMOVED_PREFIX + id), StandardCopyOption.ATOMIC_MOVE);
        }
    }

    /** Entries of {@code snapshots/} whose name is not one of {@code ownedIds}. */
    List<Path> unowned(Set<String> ownedIds) {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(snapshots)) {
            for (Path p : ds) {
                if (!ownedIds.contains(p.getFileName().toString())) {
                    out.add(p);
                }
            }
        } catch (IOException e) {
            throw new StoreException("cannot list snapshot directories", snapshots, e);
        }
        return out;
    }

    /** Deletes a directory tree without following symlinks; mounts inside must be gone first. */
    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            // overlay's workdir leaves a 000 "work" dir behind; make sure we can enter it
            dir.toFile().setExecutable(true, true);
            dir.toFile().setReadable(true, true);
            dir.toFile().setWritable(true, true);
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
                for (Path p : ds) {
                    deleteTree(p);
                }
            }
        }
        Files.delete(dir);
    }
}
