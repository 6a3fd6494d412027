package dev.estargz.snapshotter.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.estargz.snapshotter.model.ErrorKind;
import dev.estargz.snapshotter.model.Kind;
import dev.estargz.snapshotter.model.SnapshotException;
import dev.estargz.snapshotter.model.SnapshotInfo;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SnapshotFilterTest {
    static final SnapshotInfo LAYER = new SnapshotInfo("sha256:c1", "", Kind.COMMITTED, Instant.EPOCH, Instant.EPOCH,
            Map.of("containerd.io/snapshot.ref", "sha256:c1", "containerd.io/snapshot/remote", "remote snapshot"));
    static final SnapshotInfo ACTIVE = new SnapshotInfo("ns/2/ctr", "sha256:c1", Kind.ACTIVE, Instant.EPOCH,
            Instant.EPOCH, Map.of());

    private static boolean matches(String filter, SnapshotInfo info) {
        return SnapshotFilter.parseAll(List.of(filter)).matches(info);
    }

    @Test
    void containerdsTargetLookupAfterAlreadyExistsMatchesOnlyTheLayer() {
        String f = "labels.\"containerd.io/snapshot.ref\"==sha256:c1,parent==\"\"";
        assertTrue(matches(f, LAYER));
        assertFalse(matches(f, ACTIVE));
    }

    @Test
    void operatorsAndPresence() {
        assertTrue(matches("kind==committed", LAYER));
        assertTrue(matches("kind!=active", LAYER));
        assertTrue(matches("name~=^ns/", ACTIVE));
        assertTrue(matches("parent~=/c1$/", ACTIVE));
        assertTrue(matches("labels.\"containerd.io/snapshot/remote\"", LAYER));
        assertFalse(matches("labels.\"containerd.io/snapshot/remote\"", ACTIVE));
        assertTrue(matches("", ACTIVE));
    }

    @Test
    void filtersInAListAreAlternatives() {
        SnapshotFilter f = SnapshotFilter.parseAll(List.of("kind==view", "name==ns/2/ctr"));
        assertTrue(f.matches(ACTIVE));
        assertFalse(f.matches(LAYER));
        assertTrue(SnapshotFilter.parseAll(List.of()).matches(LAYER));
    }

    @Test
    void badSyntaxIsInvalidArgumentNamingTheFilter() {
        SnapshotException e = assertThrows(SnapshotException.class, () -> matches("kind=committed", LAYER));
        assertEquals(ErrorKind.INVALID_ARGUMENT, e.kind());
        assertTrue(e.getMessage().contains("kind=committed"), e.getMessage());
        assertEquals(ErrorKind.INVALID_ARGUMENT,
                assertThrows(SnapshotException.class, () -> matches("labels.\"unterminated==x", LAYER)).kind());
    }
}
