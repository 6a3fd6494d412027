package dev.estargz.fusefs.fetch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ServingThreadsTest {
    @Test
    void aThreadMadeFromALowPriorityThreadServesAtNormalPriority() throws Exception {
        AtomicReference<Thread> made = new AtomicReference<>();
        Thread background = new Thread(() -> made.set(ServingThreads.numbered("serving-").newThread(() -> { })));
        background.setPriority(Thread.MIN_PRIORITY);
        background.start();
        background.join();
        Thread t = made.get();
        assertEquals(Thread.NORM_PRIORITY, t.getPriority());
        assertTrue(t.isDaemon());
        assertEquals("serving-1", t.getName());
    }
}
