import Foundation
import GRDB
import StoreDamage
import XCTest
@testable import CaseStore

/// Opening a file that is not (or not yet, or no longer) a store this binary may use: the
/// error names the file, and the file is left as it was.
final class OpenModeTests: XCTestCase {
    /// A SQLite file of another application: one table, rollback journal.
    func foreignDatabase(_ dir: URL) throws -> String {
        let path = dir.appendingPathComponent("other.sqlite").path
        let q = try DatabaseQueue(path: path)
        try q.write { try $0.execute(sql: "CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT); INSERT INTO notes (text) VALUES ('keep')") }
        try q.close()
        return path
    }

    func tables(_ path: String) throws -> [String] {
        let q = try DatabaseQueue(path: path, configuration: { var c = Configuration(); c.readonly = true; return c }())
        defer { try? q.close() }
        return try q.read { try String.fetchAll($0, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name") }
    }

    func assertError(_ body: @autoclosure () throws -> Any, _ text: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try body(), file: file, line: line) { e in
            XCTAssertTrue("\(e)".contains(text), "'\(text)' in: \(e)", file: file, line: line)
            XCTAssertFalse("\(e)".contains("\n"), "one line: \(e)", file: file, line: line)
        }
    }

    func testReadingNeverCreatesOrMigrates() throws {
        let dir = try temporaryFolder(self)
        let empty = dir.appendingPathComponent("empty.sqlite").path
        _ = FileManager.default.createFile(atPath: empty, contents: nil)
        assertError(try CaseStore(path: empty, mode: .read), "empty.sqlite is not a StreetWarden database")
        assertError(try CaseStore(path: empty, mode: .update), "empty.sqlite is not a StreetWarden database")
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: empty)[.size] as? Int, 0)
        let other = try foreignDatabase(dir)
        assertError(try CaseStore(path: other, mode: .read), "other.sqlite is not a StreetWarden database")
        XCTAssertEqual(try tables(other), ["notes"])
        assertError(try CaseStore(path: dir.appendingPathComponent("none.sqlite").path, mode: .read), "no database at")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("none.sqlite").path))
        for mode in [AccessMode.read, .update, .create] {
            assertError(try CaseStore(path: dir.path, mode: mode), "database \(dir.path): is a directory, not a database file")
            assertError(try CaseStore(path: "/dev/null", mode: mode), "database /dev/null: not a regular file")
        }
    }

    func testRecordingRefusesAnotherApplicationsDatabase() throws {
        let dir = try temporaryFolder(self)
        let other = try foreignDatabase(dir)
        let before = try Data(contentsOf: URL(fileURLWithPath: other))
        assertError(try CaseStore(path: other), "other.sqlite is another application's database")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: other)), before, "not a byte changed (no tables, no WAL switch)")
        // An empty file is a new store.
        let empty = dir.appendingPathComponent("empty.sqlite").path
        _ = FileManager.default.createFile(atPath: empty, contents: nil)
        XCTAssertEqual(try CaseStore(path: empty).appliedMigrations().count, 2)
    }

    func testNewerStoreIsRefusedInEveryMode() throws {
        let dir = try temporaryFolder(self)
        let path = dir.appendingPathComponent("db.sqlite").path
        do {
            let store = try CaseStore(path: path)
            try store.db.write { try $0.execute(sql: "INSERT INTO grdb_migrations VALUES ('v9-future')") }
        }
        for mode in [AccessMode.read, .update, .create] {
            assertError(try CaseStore(path: path, mode: mode),
                        "database \(path) was written by a newer StreetWarden (unknown migration 'v9-future')")
        }
    }

    /// A store at migration v1 only, with `sql` run on it afterwards.
    func v1Store(_ path: String, then sql: String? = nil) throws {
        let pool = try DatabasePool(path: path)
        try Schema.migrator.migrate(pool, upTo: "v1-sources-runs-cases-events-evidence")
        if let sql { try pool.write { try $0.execute(sql: sql) } }
        try pool.close()
    }

    /// A store at an older migration level is read as it is (what it lacks reads as empty) and
    /// migrated only by a command that writes.
    func testOlderStoreIsReadAsIsAndMigratedForWriting() throws {
        let path = try temporaryFolder(self).appendingPathComponent("v1.sqlite").path
        try v1Store(path)
        let reader = try CaseStore(path: path, mode: .read)
        XCTAssertEqual(try reader.cases().count, 0)
        XCTAssertEqual(try reader.drives().count, 0)
        XCTAssertEqual(try reader.appliedMigrations(), ["v1-sources-runs-cases-events-evidence"])
        XCTAssertEqual(try CaseStore(path: path, mode: .update).appliedMigrations().count, 2)
    }

    /// A store whose tables are ahead of its recorded migrations (a column of v2 added by hand
    /// or by another program, v2 not recorded) is damage, said at once: not a migration race
    /// waited out for seconds, not SQLite's bare "duplicate column name". Reading still works.
    func testHalfMigratedStoreIsDamageNotARace() throws {
        let path = try temporaryFolder(self).appendingPathComponent("half.sqlite").path
        try v1Store(path, then: "ALTER TABLE events ADD COLUMN track_source TEXT")
        let began = Date()
        for mode in [AccessMode.update, .create] {
            assertError(try CaseStore(path: path, mode: mode),
                        "database \(path) is damaged (its tables do not match its recorded migrations: duplicate column name: track_source)")
        }
        XCTAssertLessThan(Date().timeIntervalSince(began), 3, "not the 5 s a lock may be waited for")
        XCTAssertEqual(try CaseStore(path: path, mode: .read).appliedMigrations(), ["v1-sources-runs-cases-events-evidence"])
    }

    /// A page of the cases table overwritten: every read says the file is damaged, and a
    /// case the damage hides is not reported as missing.
    func testDamagedFileIsNamedNotMissing() throws {
        let dir = try temporaryFolder(self)
        let path = dir.appendingPathComponent("db.sqlite").path
        do {
            let store = try CaseStore(path: path)
            let (s, r) = try sourceAndRun(store)
            for i in 0..<6 {
                try store.record(event("e\(i)", run: r, source: s, box: StoredBox(x1: 0.1 * Double(i), y1: 0, x2: 0.1 * Double(i) + 0.05, y2: 0.1)))
            }
            try store.db.writeWithoutTransaction { _ = try $0.checkpoint(.truncate) }
        }
        try overwriteCasesPage(path, from: 2048)
        let store = try CaseStore(path: path, mode: .read)
        assertError(try store.cases(), "database \(path) is damaged (")
        assertError(try store.caseRecord(id: 3) as Any, "database \(path) is damaged (")
        assertError(try CaseStore(path: path, mode: .update).setStatus(caseID: 3, to: .dispatched), "is damaged (")
        try overwriteCasesPage(path, from: 0)
        assertError(try CaseStore(path: path, mode: .read).cases(), "database \(path) is damaged (database disk image is malformed)")
    }

    /// A status StreetWarden never writes (a hand edit: 'archived', 'closed ' with a space) is
    /// damage: not shown as "new", and never "changed" from new, which would reopen the case.
    func testUnknownStatusIsDamageNotNew() throws {
        let path = try temporaryFolder(self).appendingPathComponent("db.sqlite").path
        let store = try CaseStore(path: path)
        let (s, r) = try sourceAndRun(store)
        try store.record(event("e1", run: r, source: s, box: StoredBox(x1: 0.1, y1: 0.1, x2: 0.2, y2: 0.2)))
        try store.db.writeWithoutTransaction { db in   // past the schema's CHECK, as a hand edit with sqlite3 can go
            try db.execute(sql: "PRAGMA ignore_check_constraints = ON")
            try db.execute(sql: "UPDATE cases SET status = 'closed ' WHERE id = 1")
            try db.execute(sql: "PRAGMA ignore_check_constraints = OFF")
        }
        let damage = "database \(path) is damaged (case 1 has the status 'closed ', which is not a StreetWarden status)"
        assertError(try store.cases(), damage)
        assertError(try store.caseRecord(id: 1) as Any, damage)
        assertError(try store.setStatus(caseID: 1, to: .dispatched), damage)
        XCTAssertEqual(try store.db.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM case_status_changes") }, 0)
        XCTAssertEqual(try store.db.read { try String.fetchOne($0, sql: "SELECT status FROM cases WHERE id = 1") }, "closed ")
    }

    /// A value that does not read as its column's type (a file edited by hand, or damaged in a
    /// way SQLite cannot see) is an error naming the file and the column, never a crash.
    func testValueOfTheWrongTypeIsDamageNotACrash() throws {
        let dir = try temporaryFolder(self)
        let path = dir.appendingPathComponent("db.sqlite").path
        let store = try CaseStore(path: path)
        let (s, r) = try sourceAndRun(store)
        try store.record(event("e0", run: r, source: s, box: StoredBox(x1: 0.1, y1: 0, x2: 0.2, y2: 0.1)))
        try store.db.write { try $0.execute(sql: "UPDATE cases SET first_seen = 'not a date'; UPDATE events SET last_seen_pts = 'x'") }
        let reader = try CaseStore(path: path, mode: .read)
        assertError(try reader.cases(), "database \(path) is damaged (case 1: could not decode Date from database value \"not a date\" - column: \"first_seen\"")
        assertError(try reader.caseRecord(id: 1) as Any, "database \(path) is damaged (case 1: could not decode Date")
        assertError(try reader.events(), "database \(path) is damaged (event 1: could not decode")
        assertError(try reader.events(), "column: \"last_seen_pts\"")
        XCTAssertThrowsError(try reader.cases()) { XCTAssertFalse("\($0)".contains("row: ["), "not the whole row: \($0)") }
        assertError(try store.updateEvent(key: "e0", lastSeen: Moment(pts: 9, date: Date()), ended: false), "is damaged (")
    }

    /// Stored dates name times that exist: GRDB would roll these over into other times.
    func testStoredDatesThatDoNotExist() {
        for bad in ["2026-02-30 08:00:00.000", "2026-13-01", "2026-05-01 25:00", "2026-05-01 08:60:00", "2026-05-01 08:00:61.000",
                    "2026-05-01 08:00:00.000+99:99", "2026-05-01 08:00:00.000-25:00", "2026-05-01 08:00:00.000+14:01",
                    "2026-05-01 08:00:00-12:01"] {
            XCTAssertFalse(Row.dateFieldsExist(bad), bad)
        }
        for good in ["2024-02-29 08:00:00.000", "2026-05-01", "2026-05-01 23:59", "2026-05-01T08:00:00.123",
                     "2026-05-01 08:00:00.000+14:00", "2026-05-01 08:00:00-12:00", "2026-05-01 08:00:00.000+0800"] {
            XCTAssertTrue(Row.dateFieldsExist(good), good)
        }
    }

    /// One row that does not read hides only itself from the readers that list the store: the
    /// other cases and events are returned, and the row is named with its reason.
    func testOneUnreadableRowHidesOnlyItself() throws {
        let path = try temporaryFolder(self).appendingPathComponent("db.sqlite").path
        let store = try CaseStore(path: path)
        let (s, r) = try sourceAndRun(store)
        for (i, key) in ["e0", "e1", "e2"].enumerated() {
            let x = 0.1 + 0.3 * Double(i)
            try store.record(event(key, run: r, source: s, box: StoredBox(x1: x, y1: 0, x2: x + 0.1, y2: 0.1)))
        }
        XCTAssertEqual(try store.cases().count, 3)
        try store.db.write { try $0.execute(sql: "UPDATE cases SET last_seen = 'soon' WHERE id = 2; UPDATE events SET score = 'high' WHERE id = 3") }
        let reader = try CaseStore(path: path, mode: .read)
        let cases = try reader.readableCases()
        XCTAssertEqual(cases.items.map(\.id), [1, 3])
        XCTAssertEqual(cases.damaged.count, 1)
        XCTAssertTrue(cases.damaged[0].hasPrefix("database \(path) is damaged (case 2: could not decode Date from database value \"soon\""), cases.damaged[0])
        let events = try reader.readableEvents()
        XCTAssertEqual(events.items.map(\.id), [1, 2])
        XCTAssertEqual(events.damaged.count, 1)
        XCTAssertTrue(events.damaged[0].contains("(event 3: could not decode Double"), events.damaged[0])
        XCTAssertEqual(try reader.readableCases(status: .new).items.map(\.id), [1, 3], "filters leave out the same row")
        assertError(try reader.cases(), "(case 2: ")
    }
}

