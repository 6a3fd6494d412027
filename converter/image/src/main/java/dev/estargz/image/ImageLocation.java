package dev.estargz.image;

import dev.estargz.registry.reference.ImageReference;

import java.nio.file.Path;

/**
 * Where an image is read from or written to: a registry reference, an OCI image layout directory
 * ({@code oci:DIR[:tag]}) or a tar archive of a layout or of {@code docker save} ({@code oci-archive:FILE}).
 */
public sealed interface ImageLocation {
    /** The prefix of OCI image layout locations. */
    String OCI_PREFIX = "oci:";
    /** The prefix of archive locations. */
    String ARCHIVE_PREFIX = "oci-archive:";
    /** An optional explicit prefix for registry references, as skopeo writes them. */
    String DOCKER_PREFIX = "docker://";

    /** A repository in a registry, with a tag or digest. */
    record Registry(ImageReference reference) implements ImageLocation {
        @Override
        public String toString() {
            return reference.toString();
        }
    }

    /**
     * An OCI image layout directory.
     *
     * @param tag the {@code org.opencontainers.image.ref.name} to read or write; null reads the only image in the
     *            layout and writes the tag {@code latest}
     */
    record OciLayout(Path dir, String tag) implements ImageLocation {
        @Override
        public String toString() {
            return OCI_PREFIX + dir + (tag == null ? "" : ":" + tag);
        }
    }

    /** A tar of an OCI image layout ({@code ctr images export}, {@code skopeo copy oci-archive:}) or of docker save. */
    record OciArchive(Path file, String tag) implements ImageLocation {
        @Override
        public String toString() {
            return ARCHIVE_PREFIX + file + (tag == null ? "" : ":" + tag);
        }
    }

    /**
     * Parses {@code oci:DIR[:tag]}, {@code oci-archive:FILE[:tag]}, {@code docker://REF} or a bare registry
     * reference.
     *
     * @throws IllegalArgumentException naming what is wrong with the text
     */
    static ImageLocation parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("empty image location");
        }
        if (text.startsWith(OCI_PREFIX)) {
            String[] dirTag = splitTag(text.substring(OCI_PREFIX.length()), text);
            return new OciLayout(Path.of(dirTag[0]), dirTag[1]);
        }
        if (text.startsWith(ARCHIVE_PREFIX)) {
            String[] fileTag = splitTag(text.substring(ARCHIVE_PREFIX.length()), text);
            return new OciArchive(Path.of(fileTag[0]), fileTag[1]);
        }
        String ref = text.startsWith(DOCKER_PREFIX) ? text.substring(DOCKER_PREFIX.length()) : text;
        return new Registry(ImageReference.parse(ref));
    }

    /**
     * True when {@code text} can only mean an image: it has one of the prefixes, or it is a reference whose first
     * component names a registry host (has a dot or port, or is localhost). Bare names like {@code busybox} are
     * not taken as images here, so that local file names keep their meaning.
     */
    static boolean isExplicit(String text) {
        if (text == null) {
            return false;
        }
        if (text.startsWith(OCI_PREFIX) || text.startsWith(ARCHIVE_PREFIX) || text.startsWith(DOCKER_PREFIX)) {
            return true;
        }
        int slash = text.indexOf('/');
        if (slash <= 0) {
            return false;
        }
        String first = text.substring(0, slash);
        if (!(first.contains(".") || first.contains(":") || first.equals("localhost"))) {
            return false;
        }
        try {
            ImageReference.parse(text);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static String[] splitTag(String rest, String whole) {
        if (rest.isEmpty()) {
            throw new IllegalArgumentException("image location \"" + whole + "\" names no path");
        }
        int colon = rest.lastIndexOf(':');
        int slash = rest.lastIndexOf('/');
        if (colon > slash && colon > 0) {
            String tag = rest.substring(colon + 1);
            if (tag.isEmpty()) {
                throw new IllegalArgumentException("image location \"" + whole + "\" has an empty tag");
            }
            return new String[] {rest.substring(0, colon), tag};
        }
        return new String[] {rest, null};
    }
}
