package dev.estargz.snapshotter.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/** Creates and checks the metadata tables; the version lives in SQLite's user_version. */
final class Schema {
    static final int VERSION = 1;

    private Schema() {
    }

    static void apply(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            // AUTOINCREMENT: ids name directories and must never be reused, like bbolt's NextSequence.
            s.execute("CREATE TABLE IF NOT EXISTS snapshots ("
                    + " id INTEGER PRIMARY KEY AUTOINCREMENT,"
                    + " name TEXT NOT NULL UNIQUE,"
                    + " parent_id INTEGER REFERENCES snapshots(id),"
                    + " kind INTEGER NOT NULL,"
                    + " created_ns INTEGER NOT NULL,"
                    + " updated_ns INTEGER NOT NULL,"
                    + " size INTEGER NOT NULL DEFAULT 0,"
                    + " inodes INTEGER NOT NULL DEFAULT 0)");
            s.execute("CREATE INDEX IF NOT EXISTS snapshots_parent ON snapshots(parent_id)");
            s.execute("CREATE TABLE IF NOT EXISTS labels ("
                    + " snapshot_id INTEGER NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,"
                    + " key TEXT NOT NULL,"
                    + " value TEXT NOT NULL,"
                    + " PRIMARY KEY (snapshot_id, key))");
            int version;
            try (var rs = s.executeQuery("PRAGMA user_version")) {
                version = rs.next() ? rs.getInt(1) : 0;
            }
            if (version == 0) {
                s.execute("PRAGMA user_version = " + VERSION);
            } else if (version != VERSION) {
                throw new SQLException("metadata schema version " + version + " is not supported (want " + VERSION + ")");
            }
        }
    }
}
