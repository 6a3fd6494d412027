package dev.estargz.snapshotter.runtime;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class IdleHeapTrimTest {
    private static final long MIB = 1 << 20;

    @Test
    void aHeapMostlyFreeAfterABurstIsTrimmed() {
        assertTrue(IdleHeapTrim.worthTrimming(96 * MIB, 20 * MIB));
        assertTrue(IdleHeapTrim.worthTrimming(40 * MIB, 20 * MIB));
    }

    @Test
    void aHeapSizedToItsContentsIsLeftAlone() {
        // the state right after a trim: used plus MaxHeapFreeRatio's margin
        assertFalse(IdleHeapTrim.worthTrimming(25 * MIB, 20 * MIB));
        assertFalse(IdleHeapTrim.worthTrimming(60 * MIB, 40 * MIB));
    }

    @Test
    void aSmallHeapIsNotWorthAPause() {
        assertFalse(IdleHeapTrim.worthTrimming(12 * MIB, 2 * MIB));
    }
}
