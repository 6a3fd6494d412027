package dev.estargz.snapshotter.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
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
    void theTrimsCollectionLeavesTheProcesssHeapRatiosAsTheyWere() {
        HotSpotDiagnosticMXBean vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
        String min = vm.getVMOption("MinHeapFreeRatio").getValue();
        String max = vm.getVMOption("MaxHeapFreeRatio").getValue();
        long before = IdleHeapTrim.collections(ManagementFactory.getGarbageCollectorMXBeans());
        IdleHeapTrim.collectTight();
        assertTrue(IdleHeapTrim.collections(ManagementFactory.getGarbageCollectorMXBeans()) > before, "a collection ran");
        assertEquals(min, vm.getVMOption("MinHeapFreeRatio").getValue());
        assertEquals(max, vm.getVMOption("MaxHeapFreeRatio").getValue());
    }

    @Test
    void aSmallHeapIsNotWorthAPause() {
        assertFalse(IdleHeapTrim.worthTrimming(12 * MIB, 2 * MIB));
    }
}
