package dev.estargz.format.toc;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Entry-name arithmetic with the reference's rules: a TOC keeps names as they were written in the tar, readers
 * normalise them with {@code path.Clean("/" + name)} minus the leading slash, so the root is {@code ""}.
 */
public final class EntryName {
    private EntryName() {
    }

    /**
     * Go's {@code strings.TrimPrefix(path.Clean("/"+name), "/")}: collapses slashes, drops {@code .}, resolves
     * {@code ..} lexically (never above the root), strips leading and trailing slashes.
     */
    public static String clean(String name) {
        // fast paths: names already clean (looked up again and again while a layer is indexed), and the tar forms
        // "./dir/name" and "dir/" that TOCs carry
        if (isClean(name, 0, name.length())) {
            return name;
        }
        int from = name.startsWith("./") ? 2 : 0;
        int to = name.length() > from && name.charAt(name.length() - 1) == '/' ? name.length() - 1 : name.length();
        if (isClean(name, from, to)) {
            return name.substring(from, to);
        }
        Deque<String> parts = new ArrayDeque<>();
        int i = 0;
        int n = name.length();
        while (i < n) {
            int j = name.indexOf('/', i);
            if (j < 0) {
                j = n;
            }
            String part = name.substring(i, j);
            if (part.isEmpty() || part.equals(".")) {
                // skip
            } else if (part.equals("..")) {
                parts.pollLast();
            } else {
                parts.addLast(part);
            }
            i = j + 1;
        }
        return String.join("/", parts);
    }

    /** True when {@link #clean} would return {@code name} unchanged: no empty, {@code .} or {@code ..} component. */
    static boolean isClean(String name) {
        return isClean(name, 0, name.length());
    }

    /** {@link #isClean(String)} of {@code name.substring(from, to)}, without making the substring. */
    private static boolean isClean(String name, int from, int to) {
        int start = from;
        for (int i = from; i <= to && to > from; i++) {
            if (i == to || name.charAt(i) == '/') {
                int len = i - start;
                if (len == 0 || len == 1 && name.charAt(start) == '.'
                        || len == 2 && name.charAt(start) == '.' && name.charAt(start + 1) == '.') {
                    return false;
                }
                start = i + 1;
            }
        }
        return true;
    }

    /**
     * True when a name as written in a tar stays inside the root without help from lexical clamping: not absolute
     * and no {@code ..} component that climbs above where it started. {@code ./} prefixes are fine.
     */
    public static boolean staysInsideRoot(String name) {
        if (name.startsWith("/")) {
            return false;
        }
        int depth = 0;
        for (String part : name.split("/", -1)) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                if (--depth < 0) {
                    return false;
                }
            } else {
                depth++;
            }
        }
        return true;
    }

    /** The parent of a cleaned name ({@code ""} for top-level names and for the root itself). */
    public static String parent(String cleaned) {
        int slash = cleaned.lastIndexOf('/');
        return slash < 0 ? "" : cleaned.substring(0, slash);
    }

    /** The last component of a cleaned name. */
    public static String base(String cleaned) {
        return cleaned.substring(cleaned.lastIndexOf('/') + 1);
    }
}
