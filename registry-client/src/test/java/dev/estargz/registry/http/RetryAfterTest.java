package dev.estargz.registry.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class RetryAfterTest {
    private static final Instant NOW = Instant.parse("2026-11-26T12:00:00Z");

    @Test
    void delaySecondsAreTakenAsTheyAre() {
        assertEquals(Duration.ofSeconds(7), RegistryTransport.retryAfter(" 7 ", NOW));
        assertEquals(Duration.ZERO, RegistryTransport.retryAfter("0", NOW));
    }

    @Test
    void anHttpDateIsTheWaitUntilThen() {
        assertEquals(Duration.ofSeconds(90), RegistryTransport.retryAfter("Thu, 26 Nov 2026 12:01:30 GMT", NOW));
        assertEquals(Duration.ZERO, RegistryTransport.retryAfter("Thu, 26 Nov 2026 11:59:00 GMT", NOW),
                "a date in the past asks for no wait");
    }

    @Test
    void garbageOrNothingAsksForNoWait() {
        assertEquals(Duration.ZERO, RegistryTransport.retryAfter(null, NOW));
        assertEquals(Duration.ZERO, RegistryTransport.retryAfter("soon", NOW));
        assertEquals(Duration.ZERO, RegistryTransport.retryAfter("-5", NOW));
    }
}
