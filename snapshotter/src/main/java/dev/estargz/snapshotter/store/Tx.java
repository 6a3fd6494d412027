package dev.estargz.snapshotter.store;

import dev.estargz.snapshotter.model.Kind;
import dev.estargz.snapshotter.model.SnapshotException;
import dev.estargz.snapshotter.model.SnapshotInfo;
import dev.estargz.snapshotter.model.Usage;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** The statements of one open transaction; error kinds and wording follow containerd's storage package. */
public final class Tx {
    /** containerd's labels.Validate limit on key plus value. */
    public static final int MAX_LABEL_BYTES = 4096;

    private final Connection c;
    private final Clock clock;

    Tx(Connection c, Clock clock) {
        this.c = c;
        this.clock = clock;
    }

    private Instant now() {
        return clock.instant();
    }

    /** Throws INVALID_ARGUMENT for a label whose key and value exceed 4096 bytes together, as containerd does. */
    public static void validateLabels(Map<String, String> labels) {
        for (var e : labels.entrySet()) {
            int size = e.getKey().getBytes(java.nio.charset.StandardCharsets.UTF_8).length
                    + e.getValue().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
            if (size > MAX_LABEL_BYTES) {
                String k = e.getKey().length() > 10 ? e.getKey().substring(0, 10) : e.getKey();
                throw SnapshotException.invalidArgument("label key and value greater than maximum size ("
                        + MAX_LABEL_BYTES + " bytes), key: " + k);
            }
        }
    }

    SnapshotChain create(Kind kind, String key, String parent, Map<String, String> labels) throws SQLException {
        if (kind != Kind.ACTIVE && kind != Kind.VIEW) {
            throw SnapshotException.invalidArgument("snapshot type " + kind
                    + " invalid; only snapshots of type Active or View can be created");
        }
        validateLabels(labels);
        Long parentId = null;
        if (!parent.isEmpty()) {
            SnapshotRecord p = find(parent).orElseThrow(
                    () -> SnapshotException.notFound("missing parent \"" + parent + "\" bucket"));
            if (p.info().kind() != Kind.COMMITTED) {
                throw SnapshotException.invalidArgument("parent \"" + parent + "\" is not committed snapshot");
            }
            parentId = Long.parseLong(p.id());
        }
        if (MetadataStore.idOf(c, key).isPresent()) {
            throw SnapshotException.alreadyExists("snapshot " + key);
        }
        long t = MetadataStore.nanos(now());
        long id;
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO snapshots(name, parent_id, kind, created_ns, updated_ns) VALUES (?,?,?,?,?)",
                java.sql.Statement.RETURN_GENERATED_KEYS)) {
            ps.setString(1, key);
            if (parentId == null) {
                ps.setNull(2, java.sql.Types.INTEGER);
            } else {
                ps.setLong(2, parentId);
            }
            ps.setInt(3, kind.code());
            ps.setLong(4, t);
            ps.setLong(5, t);
            ps.executeUpdate();
            try (ResultSet rs = ps.getGeneratedKeys()) {
                rs.next();
                id = rs.getLong(1);
            }
        }
        writeLabels(id, labels);
        return new SnapshotChain(Long.toString(id), kind, parentId == null ? List.of() : parentIds(parentId));
    }

    Optional<SnapshotRecord> find(String name) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT s.id, s.kind, s.created_ns, s.updated_ns, s.size, s.inodes, p.name"
                        + " FROM snapshots s LEFT JOIN snapshots p ON p.id = s.parent_id WHERE s.name = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return Optional.of(record(rs, name));
            }
        }
    }

    private SnapshotRecord record(ResultSet rs, String name) throws SQLException {
        long id = rs.getLong(1);
        SnapshotInfo info = new SnapshotInfo(name, rs.getString(7), Kind.ofCode(rs.getInt(2)),
                MetadataStore.instant(rs.getLong(3)), MetadataStore.instant(rs.getLong(4)), readLabels(id));
        return new SnapshotRecord(Long.toString(id), info, new Usage(rs.getLong(5), rs.getLong(6)));
    }

    SnapshotChain chain(String key) throws SQLException {
        SnapshotRecord r = find(key).orElseThrow(() -> SnapshotException.notFound("snapshot does not exist"));
        Kind kind = r.info().kind();
        if (kind != Kind.ACTIVE && kind != Kind.VIEW) {
            throw SnapshotException.failedPrecondition("requested snapshot " + key + " not active or view");
        }
        List<String> parents = List.of();
        if (!r.info().parent().isEmpty()) {
            parents = parentIds(MetadataStore.idOf(c, r.info().parent())
                    .orElseThrow(() -> SnapshotException.notFound("parent does not exist")));
        }
        return new SnapshotChain(r.id(), kind, parents);
    }

    private List<String> parentIds(long first) throws SQLException {
        List<String> ids = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT parent_id FROM snapshots WHERE id = ?")) {
            Long next = first;
            while (next != null) {
                ids.add(Long.toString(next));
                ps.setLong(1, next);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        throw SnapshotException.notFound("missing parent");
                    }
                    long p = rs.getLong(1);
                    next = rs.wasNull() ? null : p;
                }
            }
        }
        return ids;
    }

    String commit(String key, String name, Usage usage, Map<String, String> labels) throws SQLException {
        validateLabels(labels);
        if (MetadataStore.idOf(c, name).isPresent()) {
            throw SnapshotException.alreadyExists("committed snapshot " + name);
        }
        SnapshotRecord active = find(key).orElseThrow(
                () -> SnapshotException.notFound("failed to get active snapshot \"" + key + "\""));
        if (active.info().kind() != Kind.ACTIVE) {
            throw SnapshotException.failedPrecondition("snapshot \"" + key + "\" is not active");
        }
        long id = Long.parseLong(active.id());
        long t = MetadataStore.nanos(now());
        try (PreparedStatement ps = c.prepareStatement("UPDATE snapshots SET name = ?, kind = ?, created_ns = ?,"
                + " updated_ns = ?, size = ?, inodes = ? WHERE id = ?")) {
            ps.setString(1, name);
            ps.setInt(2, Kind.COMMITTED.code());
            ps.setLong(3, t);
            ps.setLong(4, t);
            ps.setLong(5, usage.size());
            ps.setLong(6, usage.inodes());
            ps.setLong(7, id);
            ps.executeUpdate();
        }
        // containerd replaces the labels on commit; nothing is inherited from the active snapshot
        writeLabels(id, labels);
        return active.id();
    }

    SnapshotRecord remove(String key) throws SQLException {
        SnapshotRecord r = find(key).orElseThrow(() -> SnapshotException.notFound("snapshot " + key));
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM snapshots WHERE parent_id = ? LIMIT 1")) {
            ps.setLong(1, Long.parseLong(r.id()));
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    throw SnapshotException.failedPrecondition("cannot remove snapshot with child");
                }
            }
        }
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM snapshots WHERE id = ?")) {
            ps.setLong(1, Long.parseLong(r.id()));
            ps.executeUpdate();
        }
        return r;
    }

    SnapshotInfo update(String name, Map<String, String> labels, List<String> fieldPaths) throws SQLException {
        SnapshotRecord r = find(name).orElseThrow(() -> SnapshotException.notFound("snapshot does not exist"));
        Map<String, String> updated = new HashMap<>(r.info().labels());
        if (fieldPaths.isEmpty()) {
            updated = new HashMap<>(labels);
        } else {
            for (String path : fieldPaths) {
                if (path.startsWith("labels.")) {
                    String k = path.substring("labels.".length());
                    // an absent value becomes "", which containerd's WriteLabels drops: that is how a label is removed
                    updated.put(k, labels.getOrDefault(k, ""));
                } else if (path.equals("labels")) {
                    updated = new HashMap<>(labels);
                } else {
                    throw SnapshotException.invalidArgument("cannot update \"" + path + "\" field on snapshot \""
                            + name + "\"");
                }
            }
        }
        updated.values().removeIf(String::isEmpty);
        validateLabels(updated);
        long id = Long.parseLong(r.id());
        Instant t = now();
        try (PreparedStatement ps = c.prepareStatement("UPDATE snapshots SET updated_ns = ? WHERE id = ?")) {
            ps.setLong(1, MetadataStore.nanos(t));
            ps.setLong(2, id);
            ps.executeUpdate();
        }
        writeLabels(id, updated);
        SnapshotInfo i = r.info();
        return new SnapshotInfo(i.name(), i.parent(), i.kind(), i.created(), t, updated);
    }

    List<SnapshotRecord> list() throws SQLException {
        List<SnapshotRecord> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT s.id, s.kind, s.created_ns, s.updated_ns, s.size, s.inodes, p.name, s.name"
                        + " FROM snapshots s LEFT JOIN snapshots p ON p.id = s.parent_id ORDER BY s.name");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(record(rs, rs.getString(8)));
            }
        }
        return out;
    }

    private Map<String, String> readLabels(long id) throws SQLException {
        Map<String, String> labels = new TreeMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT key, value FROM labels WHERE snapshot_id = ?")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    labels.put(rs.getString(1), rs.getString(2));
                }
            }
        }
        return labels;
    }

    private void writeLabels(long id, Map<String, String> labels) throws SQLException {
        try (PreparedStatement del = c.prepareStatement("DELETE FROM labels WHERE snapshot_id = ?")) {
            del.setLong(1, id);
            del.executeUpdate();
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO labels(snapshot_id, key, value) VALUES (?,?,?)")) {
            for (var e : labels.entrySet()) {
                if (e.getValue().isEmpty()) {
                    continue;
                }
                ps.setLong(1, id);
                ps.setString(2, e.getKey());
                ps.setString(3, e.getValue());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }
}
