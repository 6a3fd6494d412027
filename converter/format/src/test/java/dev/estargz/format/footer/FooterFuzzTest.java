package dev.estargz.format.footer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Any tail of a blob is either a footer of one of the five layouts or refused with a {@link FooterException},
 * never another exception. The build runs the seeds of {@link #footers()} and the kept inputs (resources
 * FooterFuzzTestInputs/); with {@code JAZZER_FUZZ=1} Jazzer fuzzes from them for {@code maxDuration}.
 */
class FooterFuzzTest {

    @MethodSource("footers")
    @DictionaryEntries({"STARGZ", "STARGZEXTERNALTOC", "GnUlInUx", "GNUlInUx", "SG"})
    @FuzzTest(maxDuration = "1s")
    void aTailIsAFooterOrRefused(byte[] tail) {
        Footer f;
        try {
            f = Footers.parse(tail);
        } catch (FooterException e) {
            assertTrue(e.getMessage().startsWith("no eStargz, stargz or zstd:chunked footer"), e.getMessage());
            return;
        }
        assertTrue(f.size() <= Footers.MAX_SIZE && tail.length >= f.size(), f + " in a " + tail.length + "-byte tail");
        byte[] last = Arrays.copyOfRange(tail, tail.length - f.size(), tail.length);
        if (f instanceof Footer.EStargz e) {
            assertTrue(e.tocOffset() >= 0, f::toString);
            assertArrayEquals(afterGzipHeader(Footers.estargz(e.tocOffset())), afterGzipHeader(lowerCaseHex(last, 16)),
                    "the writer's bytes");
        } else if (f instanceof Footer.LegacyStargz l) {
            assertTrue(l.tocOffset() >= 0, f::toString);
            assertArrayEquals(afterGzipHeader(Footers.legacyStargz(l.tocOffset())),
                    afterGzipHeader(lowerCaseHex(last, 12)), "the writer's bytes");
        }
        // the same footer with nothing of the blob before it
        assertEquals(f, parseOwnBytes(last));
    }

    /** One footer of each layout the writer makes, to start fuzzing from. */
    static Stream<byte[]> footers() {
        return Stream.of(Footers.estargz(0x1234), Footers.legacyStargz(77), Footers.stargzZstdChunked(100, 40, 90),
                new byte[Footers.MAX_SIZE]);
    }

    /**
     * The footer past its gzip header's first 10 bytes: the reader, as the reference's gzip reader, takes any
     * MTIME, XFL and OS there (the kept input crash-cddd1e97... has an MTIME).
     */
    private static byte[] afterGzipHeader(byte[] footer) {
        return Arrays.copyOfRange(footer, 10, footer.length);
    }

    /** {@code footer} with its 16 hex digits at {@code at} in lower case, as the writer puts them. */
    private static byte[] lowerCaseHex(byte[] footer, int at) {
        byte[] b = footer.clone();
        for (int i = at; i < at + 16; i++) {
            b[i] = (byte) Character.toLowerCase(b[i]);
        }
        return b;
    }

    private static Footer parseOwnBytes(byte[] footer) {
        try {
            return Footers.parse(footer);
        } catch (FooterException e) {
            throw new AssertionError("the footer's own bytes are refused: " + e.getMessage(), e);
        }
    }
}
