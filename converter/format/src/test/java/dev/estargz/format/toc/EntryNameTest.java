package dev.estargz.format.toc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EntryNameTest {

    @ParameterizedTest
    @CsvSource(value = {"a/b,a/b", "./a/b,a/b", "/a/b,a/b", "../a/b,a/b", "a/b/,a/b", "./,''", "/,''", "'',''",
            "a//b/./c/..,a/b", "../../../etc/passwd,etc/passwd", "a/../../b,b"})
    void cleanMatchesGoPathCleanOfSlashPlusName(String in, String want) {
        assertEquals(want, EntryName.clean(in));
    }

    @ParameterizedTest
    @CsvSource(value = {"a/b", "a", "'.a/..b/...'", "a/b.c/d..", "''", "./a", "a/", "/a", "a//b", "a/./b", "a/../b",
            "..", ".", "a/..", "a/.", "./", "./a/", "./a/b", ".//a", "./../a", "./a//", "a//", "./.", "././a", "./a/./"})
    void theFastPathOfCleanAgreesWithTheFullOne(String name) {
        boolean unchanged = clean(name, true).equals(name);
        assertEquals(unchanged, EntryName.isClean(name), name);
        assertEquals(clean(name, true), clean(name, false), name);
    }

    /** The full algorithm alone: clean a name that needs it, with the name's own text put back. */
    private static String clean(String name, boolean full) {
        return full ? EntryName.clean("x/../" + name) : EntryName.clean(name);
    }

    @ParameterizedTest
    @CsvSource({"a", "./a", "a/b/../c", "a/./b/", "./"})
    void namesInsideTheRootAreAccepted(String name) {
        assertTrue(EntryName.staysInsideRoot(name));
    }

    @ParameterizedTest
    @CsvSource({"/a", "../a", "a/../../b", "./..", "/"})
    void absoluteAndEscapingNamesAreRefused(String name) {
        assertFalse(EntryName.staysInsideRoot(name));
    }
}
