import GRDB

/// Schema migrations, registered by id. A released migration is never edited: add a new one.
enum Schema {
    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1-sources-runs-cases-events-evidence") { db in
            // A source is a clip (keyed by its content) or a live camera (keyed by its id).
            try db.execute(sql: """
            CREATE TABLE sources (
              id INTEGER PRIMARY KEY,
              key TEXT NOT NULL UNIQUE,
              kind TEXT NOT NULL CHECK (kind IN ('file', 'stream')),
              uri TEXT NOT NULL,
              camera_id TEXT,
              name TEXT,
              address TEXT,
              latitude REAL,
              longitude REAL,
              created_at TEXT NOT NULL
            );
            CREATE TABLE runs (
              id INTEGER PRIMARY KEY,
              source_id INTEGER NOT NULL REFERENCES sources(id),
              started_at TEXT NOT NULL,
              finished_at TEXT,
              status TEXT NOT NULL CHECK (status IN ('running', 'complete', 'failed', 'interrupted', 'stopped')),
              model TEXT,
              config_digest TEXT,
              frames INTEGER NOT NULL DEFAULT 0,
              samples INTEGER NOT NULL DEFAULT 0,
              media_seconds REAL NOT NULL DEFAULT 0,
              error TEXT
            );
            CREATE INDEX runs_source ON runs(source_id);
            CREATE TABLE cases (
              id INTEGER PRIMARY KEY,
              category TEXT NOT NULL,
              code TEXT NOT NULL,
              code_name TEXT NOT NULL,
              status TEXT NOT NULL DEFAULT 'new'
                CHECK (status IN ('new', 'dispatched', 'resolved', 'closed', 'rejected')),
              site TEXT NOT NULL,
              source_id INTEGER NOT NULL REFERENCES sources(id),
              zone_id TEXT NOT NULL,
              x1 REAL NOT NULL, y1 REAL NOT NULL, x2 REAL NOT NULL, y2 REAL NOT NULL,
              first_seen TEXT NOT NULL,
              last_seen TEXT NOT NULL,
              occurrences INTEGER NOT NULL DEFAULT 0,
              address TEXT,
              latitude REAL,
              longitude REAL,
              heading REAL,
              created_at TEXT NOT NULL,
              updated_at TEXT NOT NULL
            );
            CREATE INDEX cases_site ON cases(site, category);
            CREATE TABLE case_status_changes (
              id INTEGER PRIMARY KEY,
              case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
              from_status TEXT NOT NULL,
              to_status TEXT NOT NULL,
              note TEXT,
              changed_at TEXT NOT NULL
            );
            CREATE TABLE events (
              id INTEGER PRIMARY KEY,
              key TEXT NOT NULL UNIQUE,
              run_id INTEGER NOT NULL REFERENCES runs(id),
              source_id INTEGER NOT NULL REFERENCES sources(id),
              case_id INTEGER NOT NULL REFERENCES cases(id),
              category TEXT NOT NULL,
              zone_id TEXT NOT NULL,
              score REAL NOT NULL,
              x1 REAL NOT NULL, y1 REAL NOT NULL, x2 REAL NOT NULL, y2 REAL NOT NULL,
              first_seen_pts REAL NOT NULL,
              violation_pts REAL NOT NULL,
              last_seen_pts REAL NOT NULL,
              first_seen TEXT NOT NULL,
              violation_at TEXT NOT NULL,
              last_seen TEXT NOT NULL,
              ended INTEGER NOT NULL DEFAULT 0,
              latitude REAL,
              longitude REAL,
              heading REAL
            );
            CREATE INDEX events_case ON events(case_id);
            CREATE INDEX events_source ON events(source_id);
            CREATE TABLE evidence (
              id INTEGER PRIMARY KEY,
              event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
              kind TEXT NOT NULL CHECK (kind IN ('frame', 'crop', 'first_seen')),
              path TEXT NOT NULL UNIQUE,
              sha256 TEXT NOT NULL,
              width INTEGER NOT NULL,
              height INTEGER NOT NULL,
              bytes INTEGER NOT NULL,
              UNIQUE (event_id, kind)
            );
            """)
        }
        registerPatrolMigrations(&m)
        return m
    }
}
