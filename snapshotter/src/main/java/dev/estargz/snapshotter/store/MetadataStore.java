package dev.estargz.snapshotter.store;

import dev.estargz.snapshotter.model.Kind;
import dev.estargz.snapshotter.model.SnapshotException;
import dev.estargz.snapshotter.model.SnapshotInfo;
import dev.estargz.snapshotter.model.StoreException;
import dev.estargz.snapshotter.model.Usage;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Snapshot metadata in one SQLite file, with the semantics of containerd's {@code snapshots/storage}
 * package (same checks, same error kinds). Every method is one ACID transaction; the database runs in
 * WAL mode with {@code synchronous=FULL}, so a committed transaction survives a crash or power loss.
 */
public final class MetadataStore implements AutoCloseable {
    private final Path file;
    private final Connection connection;
    private final Clock clock;

    private MetadataStore(Path file, Connection connection, Clock clock) {
        this.file = file;
        this.connection = connection;
        this.clock = clock;
    }

    /** Opens (creating if needed) the database at {@code file}. */
    public static MetadataStore open(Path file) {
        return open(file, Clock.systemUTC(), true);
    }

    /**
     * A database that need not survive a crash (nothing is synced to disk): scratch work such as the daemon's
     * warm-up, whose fsyncs would otherwise compete with a real pull's for the disk.
     */
    public static MetadataStore openScratch(Path file) {
        return open(file, Clock.systemUTC(), false);
    }

    static MetadataStore open(Path file, Clock clock) {
        return open(file, clock, true);
    }

    private static MetadataStore open(Path file, Clock clock, boolean durable) {
        try {
            Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA journal_mode=WAL");
                s.execute(durable ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=OFF");
                s.execute("PRAGMA foreign_keys=ON");
                s.execute("PRAGMA busy_timeout=10000");
            }
            Schema.apply(c);
            c.setAutoCommit(false);
            return new MetadataStore(file, c, clock);
        } catch (SQLException e) {
            throw new StoreException("cannot open metadata database", file, e);
        }
    }

    /** Work done inside a transaction; may throw {@link SnapshotException} to roll it back. */
    @FunctionalInterface
    public interface Work<T> {
        T run(Tx tx) throws SQLException;
    }

    /** Runs {@code work} in one transaction: committed if it returns, rolled back if it throws. */
    public synchronized <T> T transaction(Work<T> work) {
        try {
            T result = work.run(new Tx(connection, clock));
            connection.commit();
            return result;
        } catch (SQLException e) {
            rollbackQuietly(e);
            throw new StoreException("metadata transaction failed", file, e);
        } catch (RuntimeException e) {
            rollbackQuietly(e);
            throw e;
        }
    }

    private void rollbackQuietly(Exception cause) {
        try {
            connection.rollback();
        } catch (SQLException e) {
            cause.addSuppressed(e);
        }
    }

    /** Creates an active or view snapshot; {@code beforeCommit} runs inside the transaction (e.g. to place its directory). */
    public SnapshotChain create(Kind kind, String key, String parent, Map<String, String> labels,
                                java.util.function.Consumer<SnapshotChain> beforeCommit) {
        return transaction(tx -> {
            SnapshotChain chain = tx.create(kind, key, parent, labels);
            beforeCommit.accept(chain);
            return chain;
        });
    }

    /** The snapshot named {@code key} with its id and usage; NOT_FOUND if absent. */
    public SnapshotRecord get(String key) {
        return transaction(tx -> tx.find(key).orElseThrow(() -> SnapshotException.notFound("snapshot does not exist")));
    }

    /** An active or view snapshot with its parent chain; FAILED_PRECONDITION for a committed one. */
    public SnapshotChain chain(String key) {
        return transaction(tx -> tx.chain(key));
    }

    /** Turns active {@code key} into committed {@code name} (same id), replacing its labels and recording usage. */
    public String commit(String key, String name, Usage usage, Map<String, String> labels) {
        return transaction(tx -> tx.commit(key, name, usage, labels));
    }

    /** Deletes {@code key}'s metadata; FAILED_PRECONDITION if a snapshot still has it as parent. */
    public SnapshotRecord remove(String key) {
        return transaction(tx -> tx.remove(key));
    }

    /** Updates labels as containerd's UpdateInfo does; {@code fieldPaths} empty means "labels". */
    public SnapshotInfo update(String name, Map<String, String> labels, List<String> fieldPaths) {
        return transaction(tx -> tx.update(name, labels, fieldPaths));
    }

    /** Every snapshot, ordered by name. */
    public List<SnapshotRecord> list() {
        return transaction(Tx::list);
    }

    /** Directory id to snapshot name, for finding directories that no snapshot owns. */
    public Map<String, String> idMap() {
        return transaction(tx -> {
            Map<String, String> ids = new HashMap<>();
            for (SnapshotRecord r : tx.list()) {
                ids.put(r.id(), r.info().name());
            }
            return ids;
        });
    }

    @Override
    public synchronized void close() {
        try {
            connection.close();
        } catch (SQLException e) {
            throw new StoreException("cannot close metadata database", file, e);
        }
    }

    /** Looks up the id of a committed parent inside a transaction; package use by {@link Tx}. */
    static Optional<Long> idOf(Connection c, String name) throws SQLException {
        try (var ps = c.prepareStatement("SELECT id FROM snapshots WHERE name = ?")) {
            ps.setString(1, name);
            try (var rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getLong(1)) : Optional.empty();
            }
        }
    }

    static Instant instant(long nanos) {
        return Instant.ofEpochSecond(0, nanos);
    }

    static long nanos(Instant t) {
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }
}
