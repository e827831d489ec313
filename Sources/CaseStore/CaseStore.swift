import DateFields
import Foundation
import Synchronization
import GRDB

/// Errors from the case store, with the database's path and SQLite's message.
public struct CaseStoreError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// How a command uses the store.
public enum AccessMode: Sendable {
    /// Reading only: the file must already hold a StreetWarden schema. It is opened read-only
    /// (so a file the user may not write can still be listed), never created or migrated, and
    /// read at the migration level it has: what an older level lacks reads as empty.
    case read
    /// Changing an existing store: the file must already hold a StreetWarden schema; an older
    /// one is migrated. Never creates a store.
    case update
    /// Recording: a missing or empty file is created, an older schema is migrated. Another
    /// application's database is refused before anything is written to it.
    case create
}

/// The SQLite case store: sources, runs, events, evidence and cases. WAL mode, foreign keys on,
/// migrations by id. Safe to use from many threads and many processes at once: writes are
/// immediate transactions that wait (up to `busyTimeout`) instead of failing with "database is
/// locked". Every write is one transaction, so a `kill -9` leaves the database consistent.
/// Every SQLite error leaves the store as one line naming the file; a damaged file (SQLite's
/// SQLITE_CORRUPT or SQLITE_NOTADB) says so.
public final class CaseStore: @unchecked Sendable {
    let db: any DatabaseWriter
    /// Folder that evidence paths are relative to; nil for an in-memory store.
    public let folder: URL?
    /// The database file, or ":memory:".
    public let path: String
    /// Whether the patrol tables and columns (migration v2) exist; false only when an older
    /// file is opened for reading.
    let hasPatrolSchema: Bool

    /// Called once per process, on the thread that waits, when a statement has waited about a
    /// second for another process's lock (the CLI prints it, so that a long wait is not silent).
    nonisolated(unsafe) public static var onLockWait: (@Sendable (_ database: String, _ limit: TimeInterval) -> Void)?
    private static let lockWaitSaid = Mutex(false)

    /// Opens the database file at `path` for `mode`.
    public init(path: String, mode: AccessMode = .create, busyTimeout: TimeInterval = 60) throws {
        var config = Configuration()
        config.foreignKeysEnabled = true
        // SQLite's own busy timeout, with a word after the first second: the n-th call of the
        // handler in one wait has slept the sum of the steps before it.
        let name = path
        config.busyMode = .callback { n in
            let steps: [Double] = [0.001, 0.002, 0.005, 0.01, 0.015, 0.02, 0.025, 0.025, 0.025, 0.05, 0.05]
            let waited = n < steps.count ? steps.prefix(n).reduce(0, +) : 0.228 + Double(n - steps.count) * 0.1
            if waited >= busyTimeout { return false }
            if waited >= 1, let say = CaseStore.onLockWait,
               CaseStore.lockWaitSaid.withLock({ said in defer { said = true }; return !said }) {
                say(name, busyTimeout)
            }
            usleep(UInt32((n < steps.count ? steps[n] : 0.1) * 1_000_000))
            return true
        }
        let url = URL(fileURLWithPath: path)
        self.path = url.path
        self.folder = url.deletingLastPathComponent()
        // SQLite opens the file by its full path and adds "-journal", "-wal" and "-shm" to its
        // name: a path or name too long for those fails deep inside SQLite with a vaguer reason
        // (and leaves an empty file behind).
        // (The full path from getcwd, which also works where Foundation's working folder gives
        // up: a folder deeper than PATH_MAX.)
        var full = path
        if !path.hasPrefix("/"), let cwd = getcwd(nil, 0) { full = String(cString: cwd) + "/" + path; free(cwd) }
        if full.utf8.count >= Int(PATH_MAX) - 8 {
            throw CaseStoreError("database \(path): File name too long (its full path is \(full.utf8.count) bytes)")
        }
        if url.lastPathComponent.utf8.count > Int(NAME_MAX) - 8 {
            throw CaseStoreError("database \(path): File name too long (with \"-journal\" added, the name would pass \(NAME_MAX) bytes)")
        }
        var st = stat()
        if stat(url.path, &st) == 0 && st.st_mode & S_IFMT != S_IFREG {   // SQLite would say "disk I/O error"
            throw CaseStoreError("database \(path): \(st.st_mode & S_IFMT == S_IFDIR ? "is a directory" : "not a regular file"), not a database file")
        }
        do {
            let applied: Set<String>
            switch mode {
            case .read:
                (db, applied) = try Self.openReadOnly(path: url.path, named: path, configuration: config)
            case .update:
                db = try Self.openMigrated(path: url.path, named: path, mode: mode, configuration: config)
                applied = Set(Schema.migrator.migrations)
            case .create:
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                db = try Self.openMigrated(path: url.path, named: path, mode: mode, configuration: config)
                applied = Set(Schema.migrator.migrations)
            }
            hasPatrolSchema = applied.contains(Schema.patrolMigration)
        } catch let e as CaseStoreError {
            throw e
        } catch let e as DatabaseError {
            throw Self.failure(e, path: path, context: "cannot open database \(path)")
        } catch {
            throw CaseStoreError("cannot open database \(path): \(error.localizedDescription)")
        }
    }

    /// Opens an existing file read-only and checks that it holds our schema; returns the
    /// queue and the applied migrations. `name` is the path as the user gave it, for messages.
    static func openReadOnly(path: String, named name: String, configuration: Configuration) throws -> (DatabaseQueue, Set<String>) {
        guard FileManager.default.fileExists(atPath: path) else { throw CaseStoreError("no database at \(name)") }
        var config = configuration
        config.readonly = true
        do {
            let queue = try DatabaseQueue(path: path, configuration: config)
            let applied = try queue.read { try Self.checkedMigrations($0, named: name, mode: .read) }
            return (queue, applied)
        } catch let e as DatabaseError where e.resultCode == .SQLITE_READONLY || e.resultCode == .SQLITE_CANTOPEN {
            // A WAL file opened read-only needs its -shm file, which SQLite creates beside it.
            let folder = (path as NSString).deletingLastPathComponent
            let hint = !FileManager.default.fileExists(atPath: path + "-shm") && access(folder, W_OK) != 0
                ? " (\(name)-shm is missing and the folder is not writable)" : ""
            throw CaseStoreError("cannot open database \(name) read-only: \(e.message ?? "SQLite error \(e.resultCode.rawValue)")\(hint)")
        }
    }

    /// Opens the pool and migrates it, after checking (read-only) that an existing file is ours:
    /// for `.create` an empty or missing file is fine too.
    /// Processes that open a new file at the same moment race to migrate it (GRDB checks and
    /// applies migrations in separate steps, and switching to WAL takes a lock that the busy
    /// timeout does not cover): the loser's transaction rolls back ("table … already exists",
    /// "database is locked"), so it waits briefly and tries again, and then finds the
    /// migrations applied.
    static func openMigrated(path: String, named name: String, mode: AccessMode, configuration: Configuration) throws -> DatabasePool {
        if mode != .create && !FileManager.default.fileExists(atPath: path) { throw CaseStoreError("no database at \(name)") }
        var attempt = 0, clashes = 0
        let started = Date()
        while true {
            do {
                let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int ?? 0
                if size > 0 || mode != .create {
                    var config = configuration
                    config.readonly = true
                    _ = try DatabaseQueue(path: path, configuration: config).read { try Self.checkedMigrations($0, named: name, mode: mode) }
                }
                let pool = try DatabasePool(path: path, configuration: configuration)
                try Schema.migrator.migrate(pool)
                return pool
            } catch let e as DatabaseError where attempt < 40 && Self.isMigrationRace(e) && Date().timeIntervalSince(started) < 5 {
                // (A race clears in milliseconds; a lock still held after the busy timeout has
                // run out is another process's long transaction: reported, not waited out again.)
                attempt += 1
                if e.resultCode != .SQLITE_BUSY && e.resultCode != .SQLITE_LOCKED {
                    // A migration that lost a race finds its work done on the next try. One that
                    // keeps clashing with what the file holds (a table or column that exists while
                    // its migration is not recorded: edited by hand, or by another program) never will.
                    clashes += 1
                    if clashes >= 3 {
                        throw CaseStoreError("database \(name) is damaged (its tables do not match its recorded migrations: "
                                             + "\((e.message ?? "").split(whereSeparator: \.isNewline).joined(separator: " ")))")
                    }
                }
                usleep(UInt32(20_000 + 10_000 * min(attempt, 10)))
            }
        }
    }

    static func isMigrationRace(_ e: DatabaseError) -> Bool {
        if e.resultCode == .SQLITE_BUSY || e.resultCode == .SQLITE_LOCKED { return true }
        let m = e.message ?? ""
        return m.contains("already exists") || m.contains("duplicate column")
    }

    /// The migrations applied to `db`, after checking that this binary may use it in `mode`:
    /// a file without our schema is refused unless `mode` creates one, a file with another
    /// application's tables always, and so is a file migrated by a newer StreetWarden.
    static func checkedMigrations(_ db: Database, named name: String, mode: AccessMode) throws -> Set<String> {
        let tables = try String.fetchSet(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        let applied = tables.contains("grdb_migrations") ? try Schema.migrator.appliedIdentifiers(db) : []
        guard applied.contains(Schema.migrator.migrations[0]) else {
            if mode != .create { throw CaseStoreError("\(name) is not a StreetWarden database") }
            if !tables.subtracting(["grdb_migrations"]).isEmpty { throw CaseStoreError("\(name) is another application's database") }
            return applied
        }
        if let unknown = applied.subtracting(Schema.migrator.migrations).sorted().first {
            throw CaseStoreError("database \(name) was written by a newer StreetWarden (unknown migration '\(unknown)')")
        }
        return applied
    }

    /// One line for a SQLite error on the file at `path`: "database … is damaged (…)" for a
    /// corrupt file or one that is not SQLite, else `context` and SQLite's message.
    static func failure(_ e: DatabaseError, path: String, context: String) -> CaseStoreError {
        let reason = (e.message ?? "SQLite error \(e.resultCode.rawValue)").split(whereSeparator: \.isNewline).joined(separator: " ")
        if e.resultCode == .SQLITE_CORRUPT || e.resultCode == .SQLITE_NOTADB {
            return CaseStoreError("database \(path) is damaged (\(reason))")
        }
        return CaseStoreError("\(context): \(reason)")
    }

    /// An in-memory store (tests, dry runs).
    public init(inMemory: Void = ()) throws {
        var config = Configuration()
        config.foreignKeysEnabled = true
        let queue = try DatabaseQueue(configuration: config)
        try Schema.migrator.migrate(queue)
        db = queue
        folder = nil
        path = ":memory:"
        hasPatrolSchema = true
    }

    /// The journal mode in effect ("wal" for a file).
    public func journalMode() throws -> String {
        try reading("cannot read the journal mode") { try String.fetchOne($0, sql: "PRAGMA journal_mode") ?? "" }
    }

    /// Ids of the applied migrations, in order.
    public func appliedMigrations() throws -> [String] {
        try reading("cannot read the migrations") { try Schema.migrator.appliedMigrations($0) }
    }

    /// Runs `body`, turning a SQLite error into one line: `what`, the file and SQLite's message.
    /// A stored value that does not read as its column's type (a date that is not a date, text
    /// where a number belongs) means the file was damaged or edited by hand: it says so.
    func wrap<T>(_ what: String, _ body: () throws -> T) throws -> T {
        do { return try body() }
        catch let e as DatabaseError { throw Self.failure(e, path: path, context: "\(what) in \(path)") }
        catch let e as DamagedValue { throw CaseStoreError("database \(path) is damaged (\(e.reason))") }
        catch let e as RowDecodingError { throw CaseStoreError("database \(path) is damaged (\(UnreadableRow.reason(e)))") }
    }

    /// A read whose SQLite errors become one line naming the file (see `wrap`).
    func reading<T>(_ what: String, _ body: (Database) throws -> T) throws -> T {
        try wrap(what) { try db.read(body) }
    }

    // MARK: Sources and runs

    /// Adds a source, or (`updateExisting`) brings a stored one's path, camera and place up to
    /// date; `updateExisting: false` leaves a stored one as it is (a clip whose analysis may
    /// still fail: its cases keep naming the copy that was analysed until this one completes).
    /// Returns its id either way.
    @discardableResult
    public func upsertSource(_ s: SourceInfo, updateExisting: Bool = true) throws -> Int64 {
        try wrap("cannot store source \(s.uri)") {
            try db.write { db in
                try db.execute(sql: """
                    INSERT INTO sources (key, kind, uri, camera_id, name, address, latitude, longitude, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """ + (updateExisting ? """
                    ON CONFLICT(key) DO UPDATE SET uri = excluded.uri, camera_id = excluded.camera_id,
                      name = excluded.name, address = excluded.address,
                      latitude = excluded.latitude, longitude = excluded.longitude
                    """ : " ON CONFLICT(key) DO NOTHING"),
                    arguments: [s.key, s.kind.rawValue, s.uri, s.cameraID, s.name, s.address, s.latitude, s.longitude, Date()])
                return try Int64.fetchOne(db, sql: "SELECT id FROM sources WHERE key = ?", arguments: [s.key])!
            }
        }
    }

    /// Starts a run; earlier runs of the same source still marked running (killed) become interrupted.
    public func beginRun(sourceID: Int64, model: String?, configDigest: String?) throws -> Int64 {
        try wrap("cannot start a run") {
            try db.write { db in
                try db.execute(sql: "UPDATE runs SET status = 'interrupted' WHERE source_id = ? AND status = 'running'", arguments: [sourceID])
                try db.execute(sql: "INSERT INTO runs (source_id, started_at, status, model, config_digest) VALUES (?, ?, 'running', ?, ?)",
                               arguments: [sourceID, Date(), model, configDigest])
                return db.lastInsertedRowID
            }
        }
    }

    /// Records progress (frames decoded, samples analysed, media seconds covered).
    public func updateRun(id: Int64, frames: Int, samples: Int, mediaSeconds: Double) throws {
        try wrap("cannot update run \(id)") {
            try db.write { db in
                try db.execute(sql: "UPDATE runs SET frames = ?, samples = ?, media_seconds = ? WHERE id = ?",
                               arguments: [frames, samples, mediaSeconds, id])
            }
        }
    }

    /// Ends a run with `status` ("complete", "failed", "stopped").
    public func finishRun(id: Int64, status: String, frames: Int, samples: Int, mediaSeconds: Double, error: String? = nil) throws {
        try wrap("cannot finish run \(id)") {
            try db.write { db in
                try db.execute(sql: """
                    UPDATE runs SET status = ?, finished_at = ?, frames = ?, samples = ?, media_seconds = ?, error = ? WHERE id = ?
                    """, arguments: [status, Date(), frames, samples, mediaSeconds, error, id])
            }
        }
    }

    public func runs(sourceID: Int64? = nil) throws -> [RunRecord] {
        try reading("cannot read runs") { db in
            let rows = try Row.fetchAll(db, sql: "SELECT * FROM runs \(sourceID == nil ? "" : "WHERE source_id = ?") ORDER BY id",
                                        arguments: sourceID.map { [$0] } ?? [])
            return try rows.map { r in
                try RunRecord(id: r.column("id"), sourceID: r.column("source_id"), status: r.column("status"), startedAt: r.column("started_at"),
                          finishedAt: r.column("finished_at"), frames: r.column("frames"), samples: r.column("samples"),
                          mediaSeconds: r.column("media_seconds"), error: r.column("error"))
            }
        }
    }

    /// Whether a source already has a complete run (a re-run may skip it).
    public func hasCompleteRun(sourceKey: String) throws -> Bool {
        try reading("cannot read runs") { db in
            try Bool.fetchOne(db, sql: """
                SELECT EXISTS (SELECT 1 FROM runs JOIN sources ON sources.id = runs.source_id
                               WHERE sources.key = ? AND runs.status = 'complete')
                """, arguments: [sourceKey]) ?? false
        }
    }

    // MARK: Events and cases

    /// Whether an event with this key is already stored.
    public func eventExists(key: String) throws -> Bool {
        try reading("cannot read events") { try Bool.fetchOne($0, sql: "SELECT EXISTS (SELECT 1 FROM events WHERE key = ?)", arguments: [key]) ?? false }
    }

    /// Stores one occurrence with its evidence, linking it to an earlier case at the same place
    /// or opening a new one, in one transaction. Idempotent: an event whose key is stored already
    /// changes nothing.
    @discardableResult
    public func record(_ e: NewEvent, link: LinkPolicy = LinkPolicy()) throws -> RecordResult {
        try wrap("cannot store event \(e.key)") {
            try db.write { db in
                if let row = try Row.fetchOne(db, sql: "SELECT id, case_id FROM events WHERE key = ?", arguments: [e.key]) {
                    return try RecordResult(eventID: row.column("id"), caseID: row.column("case_id"), inserted: false, newCase: false)
                }
                let now = Date()
                var caseID = try Self.linkedCase(db, e, link)
                let newCase = caseID == nil
                if caseID == nil {
                    try db.execute(sql: """
                        INSERT INTO cases (category, code, code_name, status, site, source_id, zone_id, x1, y1, x2, y2,
                          first_seen, last_seen, occurrences, address, latitude, longitude, heading, created_at, updated_at)
                        VALUES (?, ?, ?, 'new', ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?)
                        """, arguments: [e.category, e.code.code, e.code.name, e.site, e.sourceID, e.zoneID,
                                         e.box.x1, e.box.y1, e.box.x2, e.box.y2, e.firstSeen.date, e.lastSeen.date,
                                         e.address, e.latitude, e.longitude, e.heading, now, now])
                    caseID = db.lastInsertedRowID
                }
                try db.execute(sql: """
                    INSERT INTO events (key, run_id, source_id, case_id, category, zone_id, score, x1, y1, x2, y2,
                      first_seen_pts, violation_pts, last_seen_pts, first_seen, violation_at, last_seen, latitude, longitude, heading)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [e.key, e.runID, e.sourceID, caseID, e.category, e.zoneID, e.score,
                                     e.box.x1, e.box.y1, e.box.x2, e.box.y2,
                                     e.firstSeen.pts, e.violation.pts, e.lastSeen.pts,
                                     e.firstSeen.date, e.violation.date, e.lastSeen.date, e.latitude, e.longitude, e.heading])
                let eventID = db.lastInsertedRowID
                for f in e.evidence {
                    try db.execute(sql: "INSERT INTO evidence (event_id, kind, path, sha256, width, height, bytes) VALUES (?, ?, ?, ?, ?, ?, ?)",
                                   arguments: [eventID, f.kind.rawValue, f.path, f.sha256, f.width, f.height, f.bytes])
                }
                try Self.refreshCase(db, caseID!, box: e.box, now: now)
                return RecordResult(eventID: eventID, caseID: caseID!, inserted: true, newCase: newCase)
            }
        }
    }

    /// Moves an event's last sighting forward (never back) and marks it ended if `ended`.
    public func updateEvent(key: String, lastSeen: Moment, ended: Bool) throws {
        try wrap("cannot update event \(key)") {
            try db.write { db in
                guard let row = try Row.fetchOne(db, sql: "SELECT id, case_id, last_seen_pts FROM events WHERE key = ?", arguments: [key]) else { return }
                let caseID: Int64 = try row.column("case_id")
                if try lastSeen.pts > row.column("last_seen_pts") as Double {
                    try db.execute(sql: "UPDATE events SET last_seen_pts = ?, last_seen = ? WHERE key = ?",
                                   arguments: [lastSeen.pts, lastSeen.date, key])
                }
                if ended { try db.execute(sql: "UPDATE events SET ended = 1 WHERE key = ?", arguments: [key]) }
                try Self.refreshCase(db, caseID, box: nil, now: Date())
            }
        }
    }

    /// Whether occurrences of `site` carry their own place in their coordinates: a patrol
    /// vehicle's, placed from its GPS track. A fixed camera's coordinates are the camera's,
    /// shared by everything in its view, so they cannot tell two places in it apart.
    public static func sitePlacesOccurrences(_ site: String) -> Bool { site.hasPrefix("patrol:") }

    /// The earlier case this occurrence recurs in, if any: same category, not closed, seen within
    /// the window, and at the same place: for occurrences placed by their coordinates (patrols),
    /// within the radius; otherwise at the same site with the best box overlap.
    static func linkedCase(_ db: Database, _ e: NewEvent, _ link: LinkPolicy) throws -> Int64? {
        let since = e.firstSeen.date.addingTimeInterval(-link.window)
        let placed = sitePlacesOccurrences(e.site) && e.latitude != nil && e.longitude != nil
        let rows = try Row.fetchAll(db, sql: """
            SELECT id, x1, y1, x2, y2, latitude, longitude, site FROM cases
            WHERE category = ? AND status != 'closed' AND last_seen >= ?
              AND (site = ? OR (? AND latitude IS NOT NULL AND site LIKE 'patrol:%'))
            """, arguments: [e.category, since, e.site, placed])
        var best: (Int64, Double)?
        for r in rows {
            let score: Double
            if placed, let lat = e.latitude, let lon = e.longitude, Self.sitePlacesOccurrences(try r.column("site") as String),
               let clat = try r.column("latitude") as Double?, let clon = try r.column("longitude") as Double? {
                let d = Self.metres(lat, lon, clat, clon)
                guard d <= link.radiusMetres else { continue }
                score = 2 - d / max(link.radiusMetres, 1e-9) // any in-radius match beats an IoU match
            } else {
                guard try (r.column("site") as String) == e.site else { continue }
                let caseBox = try StoredBox(x1: r.column("x1"), y1: r.column("y1"), x2: r.column("x2"), y2: r.column("y2"))
                var iou = e.box.iou(caseBox)
                // Same place when each box's centre lies inside the other (a pile seen larger or smaller).
                if e.box.containsCentre(of: caseBox) && caseBox.containsCentre(of: e.box) { iou = max(iou, link.minIoU) }
                guard iou >= link.minIoU else { continue }
                score = iou
            }
            if best == nil || score > best!.1 { best = (try r.column("id"), score) }
        }
        return best?.0
    }

    /// Great-circle distance in metres (haversine, mean Earth radius).
    public static func metres(_ lat1: Double, _ lon1: Double, _ lat2: Double, _ lon2: Double) -> Double {
        let r = 6_371_008.8, rad = Double.pi / 180
        let dlat = (lat2 - lat1) * rad, dlon = (lon2 - lon1) * rad
        let a = sin(dlat / 2) * sin(dlat / 2) + cos(lat1 * rad) * cos(lat2 * rad) * sin(dlon / 2) * sin(dlon / 2)
        return 2 * r * asin(min(1, sqrt(a)))
    }

    /// Recomputes a case's occurrences and first/last seen from its events (idempotent).
    static func refreshCase(_ db: Database, _ id: Int64, box: StoredBox?, now: Date) throws {
        try db.execute(sql: """
            UPDATE cases SET
              occurrences = (SELECT COUNT(*) FROM events WHERE case_id = :id),
              first_seen = (SELECT MIN(first_seen) FROM events WHERE case_id = :id),
              last_seen = (SELECT MAX(last_seen) FROM events WHERE case_id = :id),
              updated_at = :now
            WHERE id = :id
            """, arguments: ["id": id, "now": now])
        if let b = box {
            try db.execute(sql: "UPDATE cases SET x1 = ?, y1 = ?, x2 = ?, y2 = ? WHERE id = ?", arguments: [b.x1, b.y1, b.x2, b.y2, id])
        }
    }

    /// Changes a case's status along the workflow; throws naming both statuses when not allowed.
    public func setStatus(caseID: Int64, to status: CaseStatus, note: String? = nil) throws {
        try wrap("cannot change case \(caseID)") {
            try db.write { db in
                guard let cur = try String.fetchOne(db, sql: "SELECT status FROM cases WHERE id = ?", arguments: [caseID]) else {
                    try checkCasesTable(db)
                    throw CaseStoreError("no case \(caseID) in \(path)")
                }
                guard let from = CaseStatus(rawValue: cur) else { throw DamagedValue.status(cur, case: caseID) }
                guard from.next.contains(status) else {
                    let allowed = from.next.map(\.rawValue).joined(separator: ", ")
                    throw CaseStoreError("case \(caseID) is \(from.rawValue): cannot become \(status.rawValue) (allowed: \(allowed.isEmpty ? "none" : allowed))")
                }
                let now = Date()
                try db.execute(sql: "UPDATE cases SET status = ?, updated_at = ? WHERE id = ?", arguments: [status.rawValue, now, caseID])
                try db.execute(sql: "INSERT INTO case_status_changes (case_id, from_status, to_status, note, changed_at) VALUES (?, ?, ?, ?, ?)",
                               arguments: [caseID, from.rawValue, status.rawValue, note, now])
            }
        }
    }

    // MARK: Queries

    /// Cases in id order, filtered by status and category when given. A row that does not read
    /// (a value no StreetWarden writes: the file was damaged or edited by hand) makes the whole
    /// call fail with "database … is damaged (case N: …)"; `readableCases` leaves it out instead.
    public func cases(status: CaseStatus? = nil, category: String? = nil) throws -> [CaseRecord] {
        let read = try readableCases(status: status, category: category)
        if let first = read.damaged.first { throw CaseStoreError(first) }
        return read.items
    }

    /// Rows read from the store, and one line for each row left out because it does not read
    /// ("database … is damaged (case N: …)"). One damaged row then hides only itself.
    public struct Readable<Item> {
        public let items: [Item]
        public let damaged: [String]
    }

    /// Cases in id order (filtered as `cases`), leaving out the rows that do not read.
    public func readableCases(status: CaseStatus? = nil, category: String? = nil) throws -> Readable<CaseRecord> {
        try reading("cannot read cases") { db in
            var sql = """
                SELECT cases.*, sources.uri AS source_uri, COALESCE(sources.camera_id, sources.uri) AS source_name
                FROM cases JOIN sources ON sources.id = cases.source_id
                """
            var conds: [String] = [], args: [any DatabaseValueConvertible] = []
            if let s = status { conds.append("cases.status = ?"); args.append(s.rawValue) }
            if let c = category { conds.append("cases.category = ?"); args.append(c) }
            if !conds.isEmpty { sql += " WHERE " + conds.joined(separator: " AND ") }
            sql += " ORDER BY cases.id"
            var items: [CaseRecord] = [], damaged: [String] = []
            for row in try Row.fetchAll(db, sql: sql, arguments: StatementArguments(args)) {
                do { items.append(try Self.caseRecord(db, row)) }
                catch let reason as UnreadableRow { damaged.append("database \(path) is damaged (\(reason.text(kind: "case", id: row["id"])))") }
            }
            return Readable(items: items, damaged: damaged)
        }
    }

    /// The case with this id; nil when there is none, which is checked against damage first.
    public func caseRecord(id: Int64) throws -> CaseRecord? {
        try reading("cannot read case \(id)") { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT cases.*, sources.uri AS source_uri, COALESCE(sources.camera_id, sources.uri) AS source_name
                FROM cases JOIN sources ON sources.id = cases.source_id WHERE cases.id = ?
                """, arguments: [id]) else {
                try checkCasesTable(db)
                return nil
            }
            do { return try Self.caseRecord(db, row) }
            catch let reason as UnreadableRow { throw CaseStoreError("database \(path) is damaged (\(reason.text(kind: "case", id: row["id"])))") }
        }
    }

    /// Throws "database … is damaged" when SQLite's quick check of the cases table finds a
    /// problem: a damaged page can hide a row from a lookup by id without any error, so a
    /// missing case is only reported as missing once its table is known to be sound.
    func checkCasesTable(_ db: Database) throws {
        let problems = try String.fetchAll(db, sql: "PRAGMA quick_check(cases)").filter { $0 != "ok" }
            .flatMap { $0.split(whereSeparator: \.isNewline) }.filter { !$0.hasPrefix("***") }
        if let first = problems.first {
            throw CaseStoreError("database \(path) is damaged (\(first)\(problems.count > 1 ? ", and \(problems.count - 1) more problem(s)" : ""))")
        }
    }

    /// The case in row `r` with its evidence. A value that does not read throws `UnreadableRow`
    /// (SQLite's own errors pass through: they concern the file, not this row).
    static func caseRecord(_ db: Database, _ r: Row) throws -> CaseRecord {
        try UnreadableRow.catching {
            try caseRecordReading(db, r)
        }
    }

    private static func caseRecordReading(_ db: Database, _ r: Row) throws -> CaseRecord {
        let id: Int64 = try r.column("id")
        let ev = try Row.fetchAll(db, sql: """
            SELECT evidence.* FROM evidence JOIN events ON events.id = evidence.event_id
            WHERE events.case_id = ? ORDER BY events.id, evidence.id
            """, arguments: [id]).map(evidenceFile)
        let raw: String = try r.column("status")
        guard let status = CaseStatus(rawValue: raw) else { throw DamagedValue.status(raw, case: id) }
        return try CaseRecord(id: id, category: r.column("category"), code: r.column("code"), codeName: r.column("code_name"),
                          status: status, site: r.column("site"), sourceID: r.column("source_id"),
                          source: r.column("source_name"), sourceURI: r.column("source_uri"), zoneID: r.column("zone_id"),
                          box: StoredBox(x1: r.column("x1"), y1: r.column("y1"), x2: r.column("x2"), y2: r.column("y2")),
                          firstSeen: r.column("first_seen"), lastSeen: r.column("last_seen"), occurrences: r.column("occurrences"),
                          address: r.column("address"), latitude: r.column("latitude"), longitude: r.column("longitude"), heading: r.column("heading"),
                          evidence: ev)
    }

    /// The evidence file in row `r`; a value that does not read names the evidence row.
    static func evidenceFile(_ r: Row) throws -> EvidenceFile {
        do { return try evidenceFileReading(r) } catch {
            let reason: String
            switch error {
            case let e as DamagedValue: reason = e.reason
            case let e as RowDecodingError: reason = UnreadableRow.reason(e)
            default: throw error
            }
            let id: DatabaseValue = r["id"]
            throw DamagedValue(reason: "evidence \(id): \(reason)")
        }
    }

    private static func evidenceFileReading(_ r: Row) throws -> EvidenceFile {
        try EvidenceFile(kind: EvidenceFile.Kind(rawValue: r.column("kind")) ?? .frame, path: r.column("path"), sha256: r.column("sha256"),
                     width: r.column("width"), height: r.column("height"), bytes: r.column("bytes"))
    }

    /// Occurrences of a case (or all events when nil), in order.
    /// A row that does not read fails the call, naming the event (see `readableEvents`).
    public func events(caseID: Int64? = nil) throws -> [EventRecord] {
        let read = try readableEvents(caseID: caseID)
        if let first = read.damaged.first { throw CaseStoreError(first) }
        return read.items
    }

    /// Occurrences as `events`, leaving out the rows that do not read.
    public func readableEvents(caseID: Int64? = nil) throws -> Readable<EventRecord> {
        try reading("cannot read events") { db in
            let rows = try Row.fetchAll(db, sql: "SELECT * FROM events \(caseID == nil ? "" : "WHERE case_id = ?") ORDER BY id",
                                        arguments: caseID.map { [$0] } ?? [])
            var items: [EventRecord] = [], damaged: [String] = []
            for row in rows {
                do { items.append(try UnreadableRow.catching { try Self.eventRecord(db, row) }) }
                catch let reason as UnreadableRow { damaged.append("database \(path) is damaged (\(reason.text(kind: "event", id: row["id"])))") }
            }
            return Readable(items: items, damaged: damaged)
        }
    }

    static func eventRecord(_ db: Database, _ r: Row) throws -> EventRecord {
        let id: Int64 = try r.column("id")
        let ev = try Row.fetchAll(db, sql: "SELECT * FROM evidence WHERE event_id = ? ORDER BY id", arguments: [id]).map(Self.evidenceFile)
        return try EventRecord(id: id, key: r.column("key"), caseID: r.column("case_id"), runID: r.column("run_id"), category: r.column("category"),
                           zoneID: r.column("zone_id"), score: r.column("score"),
                           box: StoredBox(x1: r.column("x1"), y1: r.column("y1"), x2: r.column("x2"), y2: r.column("y2")),
                           firstSeen: Moment(pts: r.column("first_seen_pts"), date: r.column("first_seen")),
                           violation: Moment(pts: r.column("violation_pts"), date: r.column("violation_at")),
                           lastSeen: Moment(pts: r.column("last_seen_pts"), date: r.column("last_seen")),
                           ended: r.column("ended"), latitude: r.column("latitude"), longitude: r.column("longitude"), evidence: ev)
    }

    /// Status changes of a case, oldest first: (from, to, note, when).
    public func statusHistory(caseID: Int64) throws -> [(from: String, to: String, note: String?, at: Date)] {
        try reading("cannot read status changes") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM case_status_changes WHERE case_id = ? ORDER BY id", arguments: [caseID])
                .map { try ($0.column("from_status"), $0.column("to_status"), $0.column("note"), $0.column("changed_at")) }
        }
    }

    /// The categories of the stored cases, sorted.
    public func categories() throws -> [String] {
        try reading("cannot read cases") { try String.fetchAll($0, sql: "SELECT DISTINCT category FROM cases ORDER BY category") }
    }

    /// Whether an evidence row holds `path` (relative to `folder`).
    public func evidenceStored(path: String) throws -> Bool {
        try reading("cannot read evidence") { try Bool.fetchOne($0, sql: "SELECT EXISTS (SELECT 1 FROM evidence WHERE path = ?)", arguments: [path]) ?? false }
    }

    /// The top-level names (relative to `folder`) under which evidence files are stored, sorted:
    /// "evidence" always, and every other first path component of a stored evidence file.
    public func evidenceFolders() throws -> [String] {
        let stored = try reading("cannot read evidence") {
            try String.fetchAll($0, sql: """
                SELECT DISTINCT CASE WHEN instr(path, '/') > 0 THEN substr(path, 1, instr(path, '/') - 1) ELSE path END
                FROM evidence
                """)
        }
        // (A path edited to start with ".." or "/" names no evidence folder: the store never writes one.)
        return Set(stored.filter { !$0.isEmpty && $0 != "." && $0 != ".." } + ["evidence"]).sorted()
    }

    /// Sources known to the store: (id, key, uri, camera id).
    public func sources() throws -> [(id: Int64, key: String, uri: String, cameraID: String?)] {
        try reading("cannot read sources") { db in
            try Row.fetchAll(db, sql: "SELECT id, key, uri, camera_id FROM sources ORDER BY id").map { try ($0.column("id"), $0.column("key"), $0.column("uri"), $0.column("camera_id")) }
        }
    }

    /// Runs SQLite's integrity and foreign-key checks; returns the problems found (empty when sound).
    public func check() throws -> [String] {
        try reading("cannot check the database") { db in
            var problems = try String.fetchAll(db, sql: "PRAGMA integrity_check").filter { $0 != "ok" }
            problems += try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").map { "foreign key: \($0)" }
            let orphanCases = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM cases WHERE occurrences != (SELECT COUNT(*) FROM events WHERE case_id = cases.id)") ?? 0
            if orphanCases > 0 { problems.append("\(orphanCases) case(s) with a stale occurrence count") }
            return problems
        }
    }
}

extension Row {
    /// The value of column `name`, throwing where a subscript would stop the process: a damaged
    /// or hand-edited file becomes an error naming it (see `CaseStore.wrap`), never a crash.
    func column<Value: DatabaseValueConvertible>(_ name: String) throws -> Value {
        try decode(Value.self, forColumn: name)
    }
}

/// A row with a value that does not read as its column's type, or one no StreetWarden writes:
/// the reason, for a caller that leaves the row out or fails naming it.
struct UnreadableRow: Error {
    let reason: String
    /// Whether `reason` already names the row (`DamagedValue.status` does).
    let namesRow: Bool

    /// Runs `body`, turning a row's decoding error into `UnreadableRow`.
    static func catching<T>(_ body: () throws -> T) throws -> T {
        do { return try body() }
        catch let e as DamagedValue { throw UnreadableRow(reason: e.reason, namesRow: e.namesRow) }
        catch let e as RowDecodingError { throw UnreadableRow(reason: reason(e), namesRow: false) }
    }

    /// GRDB's message, first line only and without the row's values.
    static func reason(_ e: RowDecodingError) -> String {
        var reason = "\(e)".split(whereSeparator: \.isNewline).first.map(String.init) ?? "a value does not read"
        if let row = reason.range(of: ", row: [") { reason = String(reason[..<row.lowerBound]) }
        return reason
    }

    /// The reason, naming the row ("case 3: …") unless it already does.
    func text(kind: String, id: DatabaseValue?) -> String {
        namesRow ? reason : "\(kind) \(id.map { "\($0)" } ?? "?"): \(reason)"
    }
}

/// A stored value no StreetWarden writes (a file edited by hand): reported as damage, never
/// read as a default (an unknown status shown as "new", then "changed" from new).
struct DamagedValue: Error {
    let reason: String
    /// Whether `reason` names its row ("case 3 has …").
    var namesRow = false
    static func status(_ raw: String, case id: Int64) -> DamagedValue {
        DamagedValue(reason: "case \(id) has the status '\(raw)', which is not a StreetWarden status", namesRow: true)
    }
}

extension Row {
    /// A stored date: text in the store's form (`YYYY-MM-DD HH:MM:SS.SSS`, as GRDB writes it,
    /// or the shorter forms GRDB reads) naming a time that exists, or a number. GRDB itself
    /// rolls impossible fields over (2026-02-30 → March 2, 25:61 → the next day), which would
    /// show a hand-edited date as another date.
    func column(_ name: String) throws -> Date {
        let value: DatabaseValue = try decode(DatabaseValue.self, forColumn: name)
        if case .string(let text) = value.storage, !Self.dateFieldsExist(text) {
            throw DamagedValue(reason: "column \"\(name)\": \"\(text)\" is not a date that exists")
        }
        return try decode(Date.self, forColumn: name)
    }

    func column(_ name: String) throws -> Date? {
        let value: DatabaseValue = try decode(DatabaseValue.self, forColumn: name)
        if value.isNull { return nil }
        return try column(name) as Date
    }

    /// Whether `YYYY-MM-DD[( |T)HH:MM[:SS[.f…]]][zone]` (what GRDB reads as a date) names a
    /// moment that exists; text of another shape is left to GRDB, which refuses it.
    static func dateFieldsExist(_ text: String) -> Bool {
        let b = Array(text.utf8.prefix(10))
        let shaped = b.count == 10 && b.indices.allSatisfy { [4, 7].contains($0) ? b[$0] == UInt8(ascii: "-") : (48...57).contains(b[$0]) }
        return !shaped || DateFields.exist(text, secondsRequired: false)
    }
}
