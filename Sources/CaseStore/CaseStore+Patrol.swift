import Foundation
import GRDB

// Patrol vehicles (docs/patrol.md): where each event's position came from, when a case's
// place was last passed without the violation, and the route of every drive for the report.

extension Schema {
    /// Migrations for moving cameras, registered after v1.
    /// The migration that adds the patrol tables and columns.
    static let patrolMigration = "v2-patrol-track-source-drives"

    static func registerPatrolMigrations(_ m: inout DatabaseMigrator) {
        m.registerMigration(patrolMigration) { db in
            try db.execute(sql: """
            ALTER TABLE events ADD COLUMN track_source TEXT;
            ALTER TABLE events ADD COLUMN position_method TEXT
              CHECK (position_method IS NULL OR position_method IN ('projected', 'vehicle', 'camera'));
            ALTER TABLE cases ADD COLUMN track_source TEXT;
            ALTER TABLE cases ADD COLUMN cleared_at TEXT;
            CREATE INDEX cases_position ON cases(latitude, longitude) WHERE latitude IS NOT NULL;
            CREATE TABLE drives (
              id INTEGER PRIMARY KEY,
              source_id INTEGER NOT NULL REFERENCES sources(id),
              run_id INTEGER NOT NULL REFERENCES runs(id),
              track_source TEXT NOT NULL,
              started_at TEXT NOT NULL,
              ended_at TEXT NOT NULL,
              length_m REAL NOT NULL,
              points TEXT NOT NULL,
              UNIQUE (source_id, track_source)
            );
            """)
        }
    }
}

/// How an event's latitude/longitude was obtained.
public enum PositionMethod: String, Codable, Sendable {
    /// The detection's box projected on the ground from the vehicle's position and heading.
    case projected
    /// The vehicle's own position (projection was not possible).
    case vehicle
    /// The fixed camera's configured location.
    case camera
}

/// One position of a stored drive.
public struct DrivePoint: Equatable, Codable, Sendable {
    public var latitude: Double
    public var longitude: Double
    /// Seconds on the track's clock (wall clock or clip time, as the track says).
    public var time: Double
    public init(latitude: Double, longitude: Double, time: Double) {
        self.latitude = latitude; self.longitude = longitude; self.time = time
    }
}

/// A stored drive: the route a moving camera's clip or stream followed.
public struct DriveRecord: Equatable, Sendable {
    public var id: Int64
    public var sourceID: Int64
    public var runID: Int64
    /// The track's source, e.g. `gpx:/data/drive.gpx@+2.000s`.
    public var trackSource: String
    public var startedAt: Date
    public var endedAt: Date
    public var lengthMetres: Double
    /// Gap-free pieces of the route (a new piece starts after a gap in the track).
    public var pieces: [[DrivePoint]]
}

/// Patrol facts about a case or an event.
public struct PatrolInfo: Equatable, Sendable {
    public var trackSource: String?
    public var positionMethod: PositionMethod?
    /// When the case's place was last passed in view without the violation (cases only).
    public var clearedAt: Date?
}

extension CaseStore {
    /// Records where an event's position came from; the case takes the track source of its
    /// first positioned event. Idempotent (call it after every `record`, also on re-runs).
    public func setPosition(eventKey: String, trackSource: String?, method: PositionMethod) throws {
        try wrap("cannot store the position source of event \(eventKey)") {
            try db.write { db in
                guard let caseID = try Int64.fetchOne(db, sql: "SELECT case_id FROM events WHERE key = ?", arguments: [eventKey]) else {
                    throw CaseStoreError("no event \(eventKey) in \(path)")
                }
                try db.execute(sql: "UPDATE events SET track_source = ?, position_method = ? WHERE key = ?",
                               arguments: [trackSource, method.rawValue, eventKey])
                try db.execute(sql: "UPDATE cases SET track_source = COALESCE(track_source, ?) WHERE id = ?",
                               arguments: [trackSource, caseID])
            }
        }
    }

    /// Notes that a case's place was passed in view without the violation at `date`; a later
    /// sighting there is a new occurrence of the same case.
    public func markCleared(caseID: Int64, at date: Date) throws {
        try wrap("cannot mark case \(caseID) cleared") {
            try db.write { db in
                try db.execute(sql: "UPDATE cases SET cleared_at = ?, updated_at = ? WHERE id = ?", arguments: [date, Date(), caseID])
                try db.execute(sql: "UPDATE events SET ended = 1 WHERE case_id = ?", arguments: [caseID])
            }
        }
    }

    /// Moves an event's position (a moving camera's estimate improves with every sighting of
    /// the pass); the case follows when this event opened it.
    public func updatePosition(eventKey: String, latitude: Double, longitude: Double) throws {
        try wrap("cannot update the position of event \(eventKey)") {
            try db.write { db in
                guard let row = try Row.fetchOne(db, sql: "SELECT id, case_id FROM events WHERE key = ?", arguments: [eventKey]) else { return }
                let id: Int64 = try row.column("id"), caseID: Int64 = try row.column("case_id")
                try db.execute(sql: "UPDATE events SET latitude = ?, longitude = ? WHERE id = ?", arguments: [latitude, longitude, id])
                let first = try Int64.fetchOne(db, sql: "SELECT MIN(id) FROM events WHERE case_id = ?", arguments: [caseID])
                if first == id {
                    try db.execute(sql: "UPDATE cases SET latitude = ?, longitude = ? WHERE id = ?", arguments: [latitude, longitude, caseID])
                }
            }
        }
    }

    /// A new occurrence at a cleared place: the case is no longer cleared (unless it was
    /// cleared after `date`).
    public func clearCleared(caseID: Int64, seenAt date: Date) throws {
        try wrap("cannot update case \(caseID)") {
            try db.write { db in
                try db.execute(sql: "UPDATE cases SET cleared_at = NULL WHERE id = ? AND cleared_at <= ?", arguments: [caseID, date])
            }
        }
    }

    /// Patrol facts of a case; nil when there is no such case or the file predates patrols.
    public func patrolInfo(caseID: Int64) throws -> PatrolInfo? {
        guard hasPatrolSchema else { return nil }
        return try reading("cannot read case patrol facts") { db in
            try Row.fetchOne(db, sql: "SELECT track_source, cleared_at FROM cases WHERE id = ?", arguments: [caseID]).map {
                try PatrolInfo(trackSource: $0.column("track_source"), positionMethod: nil, clearedAt: $0.column("cleared_at"))
            }
        }
    }

    /// Patrol facts of an event; nil when there is no such event or the file predates patrols.
    public func patrolInfo(eventKey: String) throws -> PatrolInfo? {
        guard hasPatrolSchema else { return nil }
        return try reading("cannot read event patrol facts") { db in
            try Row.fetchOne(db, sql: "SELECT track_source, position_method FROM events WHERE key = ?", arguments: [eventKey]).map {
                try PatrolInfo(trackSource: $0.column("track_source"),
                           positionMethod: ($0.column("position_method") as String?).flatMap(PositionMethod.init(rawValue:)), clearedAt: nil)
            }
        }
    }

    /// Open cases (not closed or rejected) with coordinates within `radius` metres of a point,
    /// nearest first: the places a moving camera may see again.
    public func openCases(nearLatitude lat: Double, longitude lon: Double, radius: Double,
                          category: String? = nil) throws -> [CaseRecord] {
        let dLat = radius / 111_000, dLon = radius / (111_000 * max(cos(lat * .pi / 180), 0.01))
        let ids: [(Int64, Double)] = try reading("cannot read cases") { db in
            try Row.fetchAll(db, sql: """
                SELECT id, latitude, longitude FROM cases
                WHERE latitude BETWEEN ? AND ? AND longitude BETWEEN ? AND ?
                  AND status NOT IN ('closed', 'rejected') \(category == nil ? "" : "AND category = ?")
                """, arguments: StatementArguments([lat - dLat, lat + dLat, lon - dLon, lon + dLon] + (category.map { [$0] } ?? [])))
                .compactMap { r -> (Int64, Double)? in
                    let d = try CaseStore.metres(lat, lon, r.column("latitude"), r.column("longitude"))
                    return d <= radius ? (try r.column("id"), d) : nil
                }
        }
        return try ids.sorted { $0.1 < $1.1 }.compactMap { try caseRecord(id: $0.0) }
    }

    /// Stores (or replaces) the route of a drive: one per source and track source.
    public func saveDrive(sourceID: Int64, runID: Int64, trackSource: String, pieces: [[DrivePoint]],
                          startedAt: Date, endedAt: Date, lengthMetres: Double) throws {
        let json = String(decoding: try JSONEncoder().encode(pieces.map { $0.map { [$0.latitude, $0.longitude, $0.time] } }), as: UTF8.self)
        try wrap("cannot store the drive of source \(sourceID)") {
            try db.write { db in
                try db.execute(sql: """
                    INSERT INTO drives (source_id, run_id, track_source, started_at, ended_at, length_m, points)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(source_id, track_source) DO UPDATE SET run_id = excluded.run_id,
                      started_at = excluded.started_at, ended_at = excluded.ended_at,
                      length_m = excluded.length_m, points = excluded.points
                    """, arguments: [sourceID, runID, trackSource, startedAt, endedAt, lengthMetres, json])
            }
        }
    }

    /// Every stored drive, oldest first (none in a file that predates patrols).
    public func drives() throws -> [DriveRecord] {
        guard hasPatrolSchema else { return [] }
        return try reading("cannot read drives") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM drives ORDER BY started_at, id").map { r in
                let raw = try JSONDecoder().decode([[[Double]]].self, from: Data((r.column("points") as String).utf8))
                let pieces = raw.map { $0.compactMap { $0.count == 3 ? DrivePoint(latitude: $0[0], longitude: $0[1], time: $0[2]) : nil } }
                return try DriveRecord(id: r.column("id"), sourceID: r.column("source_id"), runID: r.column("run_id"), trackSource: r.column("track_source"),
                                   startedAt: r.column("started_at"), endedAt: r.column("ended_at"), lengthMetres: r.column("length_m"), pieces: pieces)
            }
        }
    }
}
