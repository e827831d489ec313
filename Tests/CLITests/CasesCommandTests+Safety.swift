import CaseStore
import Foundation
import StoreDamage
import XCTest

/// `cases` and `report` given outputs, databases and values they must refuse: one line naming
/// the input, exit status 1, and nothing stored is lost.
extension CasesCommandTests {
    func assertOneLineError(_ r: CLI.Result, mentions: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertNotEqual(r.status, 0, file: file, line: line)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, "one line: \(r.stderr)", file: file, line: line)
        XCTAssertTrue(r.stderr.contains(mentions), "'\(mentions)' in: \(r.stderr)", file: file, line: line)
    }

    /// Every evidence file of the seeded store with its bytes.
    func evidenceFiles(_ dir: URL) throws -> [String: Data] {
        let root = dir.appendingPathComponent("evidence")
        var files: [String: Data] = [:]
        for case let rel as String in FileManager.default.enumerator(atPath: root.path)! where rel.hasSuffix(".jpg") {
            files[rel] = try Data(contentsOf: root.appendingPathComponent(rel))
        }
        return files
    }

    func testExportNeverWritesOverTheDatabaseOrEvidence() throws {
        let (dir, db) = try seededStore()
        let before = try Data(contentsOf: URL(fileURLWithPath: db))
        let evidence = try evidenceFiles(dir)
        try FileManager.default.createSymbolicLink(atPath: dir.appendingPathComponent("link.json").path, withDestinationPath: db)
        for out in ["cases.sqlite", "./sub/../cases.sqlite-wal", "link.json", "evidence/market-cam/g1-frame.jpg", "evidence/new.json"] {
            let r = try CLI.run(["cases", "export", "--db", "cases.sqlite", "--out", out], cwd: dir)
            assertOneLineError(r, mentions: "cannot write \(out): it is ")
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: db)), before)
        XCTAssertEqual(try evidenceFiles(dir), evidence)
        XCTAssertEqual(try CLI.run(["cases", "export", "--db", "cases.sqlite", "--out", "cases.json"], cwd: dir).status, 0)
        XCTAssertFalse(try FileManager.default.contentsOfDirectory(atPath: dir.path).contains { $0.hasSuffix(".tmp") }, "no temporary file left")
        // Any existing file (another store, a clip, an earlier export) is replaced only with --force.
        let other = dir.appendingPathComponent("other.sqlite")
        try Data("SQLite format 3\0 another store".utf8).write(to: other)
        for out in ["other.sqlite", "cases.json"] {
            let before = try Data(contentsOf: dir.appendingPathComponent(out))
            assertOneLineError(try CLI.run(["cases", "export", "--db", "cases.sqlite", "--out", out], cwd: dir),
                               mentions: "cannot write \(out): the file exists (give --force to replace it)")
            XCTAssertEqual(try Data(contentsOf: dir.appendingPathComponent(out)), before)
        }
        XCTAssertEqual(try CLI.run(["cases", "export", "--db", "cases.sqlite", "--out", "cases.json", "--force", "--format", "csv"], cwd: dir).status, 0)
        XCTAssertTrue(try String(contentsOf: dir.appendingPathComponent("cases.json"), encoding: .utf8).hasPrefix("id,"))
        assertOneLineError(try CLI.run(["cases", "export", "--db", "cases.sqlite", "--out", "cases.sqlite", "--force"], cwd: dir),
                           mentions: "cannot write cases.sqlite: it is the database")
    }

    /// Stored text shown on a terminal (a status note) cannot carry control characters to it;
    /// evidence that is no longer a regular file (a pipe put in its place) is left out of a
    /// report, which does not wait on it.
    func testTerminalTextAndOddEvidence() throws {
        let (dir, db) = try seededStore()
        XCTAssertEqual(try CLI.run(["cases", "set-status", "1", "dispatched", "--note", "to \u{1b}[31mred\u{7}", "--db", db]).status, 0)
        let show = try CLI.run(["cases", "show", "1", "--db", db])
        XCTAssertFalse(show.stdout.unicodeScalars.contains { $0.value == 0x1b || $0.value == 0x07 }, show.stdout)
        XCTAssertTrue(show.stdout.contains("to \\u{1b}[31mred\\u{7}"), show.stdout)
        let crop = dir.appendingPathComponent("evidence/market-cam/g1-crop.jpg").path
        try FileManager.default.removeItem(atPath: crop)
        XCTAssertEqual(mkfifo(crop, 0o644), 0)
        let r = try CLI.run(["report", "--db", db, "--out", dir.appendingPathComponent("r").path])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("warning: case 1: evidence \(crop) not a regular file; not copied"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("r/evidence/market-cam/g1-crop.jpg").path))
    }

    /// A write that waits for another process's lock says so after a second, instead of
    /// waiting in silence (up to a minute), and goes ahead once the lock is released.
    func testWaitingForALockIsSaid() throws {
        let (_, db) = try seededStore()
        let holder = Process(), input = Pipe()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        holder.arguments = [db]
        holder.standardInput = input
        holder.standardOutput = FileHandle.nullDevice
        try holder.run()
        input.fileHandleForWriting.write(Data("BEGIN EXCLUSIVE;\nSELECT 1;\n".utf8))
        usleep(300_000)
        DispatchQueue.global().asyncAfter(deadline: .now() + 2.5) {
            input.fileHandleForWriting.write(Data("COMMIT;\n".utf8))
            try? input.fileHandleForWriting.close()
        }
        let r = try CLI.run(["cases", "set-status", "1", "dispatched", "--db", db])
        holder.waitUntilExit()
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stderr, "waiting for database \(db): another process holds its lock (giving up after 60 s)\n")
        XCTAssertTrue(r.stdout.contains("dispatched"), r.stdout)
    }

    /// Evidence the report cannot vouch for (gone, or not the bytes whose SHA-256 was stored) is
    /// not copied; the page says so, each file gets a warning, and the run fails. The page is
    /// still written.
    func testReportFlagsMissingAndAlteredEvidence() throws {
        let (dir, db) = try seededStore()
        let frame = dir.appendingPathComponent("evidence/market-cam/g1-frame.jpg").path
        let crop = dir.appendingPathComponent("evidence/market-cam/g2-crop.jpg").path
        try FileManager.default.removeItem(atPath: frame)
        try Data("altered".utf8).write(to: URL(fileURLWithPath: crop))
        let out = dir.appendingPathComponent("r")
        let r = try CLI.run(["report", "--db", db, "--out", out.path])
        XCTAssertEqual(r.status, 1, r.stderr)
        let lines = r.stderr.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 3, r.stderr)
        XCTAssertTrue(lines.contains("warning: case 1: evidence \(frame) missing; not copied"), r.stderr)
        XCTAssertTrue(lines.contains { $0.hasPrefix("warning: case ") && $0.hasSuffix("evidence \(crop) does not match its stored SHA-256 (altered); not copied") }, r.stderr)
        XCTAssertEqual(lines.last, "error: 2 evidence file(s) missing or altered; the report marks them")
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.appendingPathComponent("evidence/market-cam/g2-crop.jpg").path))
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("evidence/market-cam/g1-crop.jpg").path))
        let html = try String(contentsOf: out.appendingPathComponent("index.html"), encoding: .utf8)
        XCTAssertTrue(html.contains("evidence evidence/market-cam/g1-frame.jpg missing"), "the page flags it")

        // An evidence path edited to point out of the store (with a matching hash): never copied,
        // since its copy would land outside the report's folder.
        let outside = dir.appendingPathComponent("outside.jpg")
        try FileManager.default.copyItem(atPath: dir.appendingPathComponent("evidence/market-cam/a1-crop.jpg").path, toPath: outside.path)
        try sqlite(db, "UPDATE evidence SET path = '../\(dir.lastPathComponent)/outside.jpg' WHERE path = 'evidence/market-cam/a1-crop.jpg'")
        let out2 = dir.appendingPathComponent("a/r2")
        let r2 = try CLI.run(["report", "--db", db, "--out", out2.path])
        XCTAssertEqual(r2.status, 1, r2.stderr)
        XCTAssertTrue(r2.stderr.contains("outside.jpg lies outside the database's folder; not copied"), r2.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("a").path), ["r2"],
                       "nothing written beside the report's folder")
    }

    /// The report goes to a new or empty folder, or over an earlier report; never into a folder
    /// that holds anything else (another store and its evidence, someone's index.html).
    func testReportOnlyReplacesAnEarlierReport() throws {
        let (dir, db) = try seededStore()
        let out = dir.appendingPathComponent("r")
        XCTAssertEqual(try CLI.run(["report", "--db", db, "--out", out.path]).status, 0)
        XCTAssertEqual(try CLI.run(["report", "--db", db, "--out", out.path]).status, 0, "an earlier report is replaced")
        let mine = dir.appendingPathComponent("notes")
        try FileManager.default.createDirectory(at: mine, withIntermediateDirectories: true)
        try Data("<html>my notes</html>".utf8).write(to: mine.appendingPathComponent("index.html"))
        assertOneLineError(try CLI.run(["report", "--db", db, "--out", mine.path]),
                           mentions: "cannot write the report to \(mine.path): the folder is not empty and holds no earlier report")
        XCTAssertEqual(try String(contentsOf: mine.appendingPathComponent("index.html"), encoding: .utf8), "<html>my notes</html>")
        assertOneLineError(try CLI.run(["report", "--db", db, "--out", ""], cwd: dir), mentions: "report --out: the folder path is empty")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("index.html").path))
    }

    func testReportRefusesTheDatabaseFolderAndKeepsEvidence() throws {
        let (dir, _) = try seededStore()
        let evidence = try evidenceFiles(dir)
        let r = try CLI.run(["report", "--db", "cases.sqlite", "--out", "."], cwd: dir)
        assertOneLineError(r, mentions: "it is the database's folder")
        let other = dir.appendingPathComponent("other")
        try FileManager.default.createDirectory(at: other, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(at: other.appendingPathComponent("evidence"), withDestinationURL: dir.appendingPathComponent("evidence"))
        let linked = try CLI.run(["report", "--db", "cases.sqlite", "--out", "other"], cwd: dir)
        assertOneLineError(linked, mentions: "its evidence folder is the store's evidence folder")
        let inside = try CLI.run(["report", "--db", "cases.sqlite", "--out", "evidence/r"], cwd: dir)
        assertOneLineError(inside, mentions: "it is inside the evidence folder")
        XCTAssertEqual(try evidenceFiles(dir), evidence, "no evidence file deleted")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("index.html").path))
    }

    func testNewerDatabaseIsRefused() throws {
        let (dir, db) = try seededStore()
        try sqlite(db, "INSERT INTO grdb_migrations VALUES ('v9-future')")
        let before = try Data(contentsOf: URL(fileURLWithPath: db))
        for args in [["cases", "list"], ["cases", "show", "1"], ["cases", "set-status", "1", "dispatched"], ["report", "--out", "r"]] {
            let r = try CLI.run(args + ["--db", db], cwd: dir)
            assertOneLineError(r, mentions: "database \(db) was written by a newer StreetWarden (unknown migration 'v9-future')")
        }
        let model = try Fixtures.colourProbeModel(in: dir)
        let clip = dir.appendingPathComponent("grey.mp4")
        try Fixtures.clip(clip, seconds: 1, patches: [])
        let a = try CLI.run(["analyze", clip.path, "--model", model, "--db", db], cwd: dir)
        assertOneLineError(a, mentions: "was written by a newer StreetWarden")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: db)), before)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("r").path))
    }

    func testReadingNeverCreatesASchema() throws {
        let dir = try temporaryFolder(self)
        let empty = dir.appendingPathComponent("empty.sqlite").path
        _ = FileManager.default.createFile(atPath: empty, contents: nil)
        let other = dir.appendingPathComponent("other.sqlite").path
        try sqlite(other, "CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES ('keep')")
        let before = try Data(contentsOf: URL(fileURLWithPath: other))
        for db in [empty, other] {
            for args in [["cases", "list"], ["cases", "export"], ["report", "--out", dir.appendingPathComponent("r").path],
                         ["cases", "set-status", "1", "dispatched"]] {
                assertOneLineError(try CLI.run(args + ["--db", db]), mentions: "\(db) is not a StreetWarden database")
            }
        }
        let model = try Fixtures.colourProbeModel(in: dir)
        let clip = dir.appendingPathComponent("grey.mp4")
        try Fixtures.clip(clip, seconds: 1, patches: [])
        assertOneLineError(try CLI.run(["analyze", clip.path, "--model", model, "--db", other]),
                           mentions: "\(other) is another application's database")
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: empty)[.size] as? Int, 0)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: other)), before)
    }

    func testDamagedDatabaseIsNamed() throws {
        let (dir, db) = try seededStore()
        try sqlite(db, "PRAGMA wal_checkpoint(TRUNCATE)")
        try overwriteCasesPage(db, from: 3000)
        for args in [["cases", "show", "3"], ["cases", "set-status", "3", "dispatched"], ["cases", "list"], ["cases", "export"],
                     ["report", "--out", "r"]] {
            assertOneLineError(try CLI.run(args + ["--db", db], cwd: dir), mentions: "database \(db) is damaged (")
        }
    }

    /// One hand-damaged row: `cases list`, `export` and `report` give the other cases, a warning
    /// naming the row, and exit status 1; `cases show` of that case is an error naming it.
    func testOneDamagedRowLeavesTheOtherCasesReadable() throws {
        let (dir, db) = try seededStore()
        let all = try CLI.run(["cases", "list", "--db", db, "--format", "json"])
        XCTAssertEqual(all.status, 0, all.stderr)
        let ids = try (JSONSerialization.jsonObject(with: Data(all.stdout.utf8)) as! [[String: Any]]).map { $0["id"] as! Int }
        XCTAssertGreaterThanOrEqual(ids.count, 2)
        let bad = ids[0]
        try sqlite(db, "UPDATE cases SET first_seen = 'yesterday' WHERE id = \(bad)")
        let warning = "warning: database \(db) is damaged (case \(bad): could not decode Date from database value \"yesterday\""
        for (args, shown) in [(["cases", "list", "--format", "json"], "listed"), (["cases", "export", "--format", "csv"], "exported"),
                              (["cases", "export", "--format", "geojson"], "exported")] {
            let r = try CLI.run(args + ["--db", db])
            XCTAssertEqual(r.status, 1, "\(args): \(r.stderr)")
            let lines = r.stderr.split(separator: "\n").map(String.init)
            XCTAssertEqual(lines.count, 2, r.stderr)
            XCTAssertTrue(lines[0].hasPrefix(warning) && lines[0].hasSuffix("; left out"), r.stderr)
            XCTAssertEqual(lines[1], "error: 1 case(s) could not be read; the others were \(shown)")
            XCTAssertFalse(r.stdout.isEmpty, "\(args): the other cases are written")
        }
        let list = try CLI.run(["cases", "list", "--db", db, "--format", "json"])
        let shown = try (JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as! [[String: Any]]).map { $0["id"] as! Int }
        XCTAssertEqual(shown, Array(ids.dropFirst()))
        assertOneLineError(try CLI.run(["cases", "show", "\(bad)", "--db", db]), mentions: "is damaged (case \(bad): could not decode Date")
        XCTAssertEqual(try CLI.run(["cases", "show", "\(ids[1])", "--db", db]).status, 0)
        // The change is made, so exit 0 (a script must not retry it), and the damage is said.
        let set = try CLI.run(["cases", "set-status", "\(bad)", "dispatched", "--db", db])
        XCTAssertEqual(set.status, 0, set.stderr)
        XCTAssertTrue(set.stderr.hasPrefix("warning: case \(bad) is now dispatched, but cannot be shown: database \(db) is damaged (case \(bad): "),
                      set.stderr)
        XCTAssertEqual(try sqlite3(db, "SELECT status FROM cases WHERE id = \(bad)"), "dispatched")

        let out = dir.appendingPathComponent("r")
        let r = try CLI.run(["report", "--db", db, "--out", out.path])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains(warning), r.stderr)
        XCTAssertTrue(r.stderr.hasSuffix("error: 1 case(s) could not be read; the report leaves them out\n"), r.stderr)
        let html = try String(contentsOf: out.appendingPathComponent("index.html"), encoding: .utf8)
        XCTAssertTrue(html.contains("data-cases=\"\(ids.count - 1)\""), "the other cases are on the page")
        XCTAssertTrue(html.contains("1 case(s) of the store could not be read"), "the page says a case is missing")

        // An impossible date (GRDB would roll 2026-02-30 over to March 2) is damage too; when
        // no case reads, the message does not speak of "the others".
        try sqlite(db, "UPDATE cases SET first_seen = '2026-02-30 08:00:00.000'")
        let none = try CLI.run(["cases", "list", "--db", db])
        XCTAssertEqual(none.status, 1)
        XCTAssertTrue(none.stderr.contains("column \"first_seen\": \"2026-02-30 08:00:00.000\" is not a date that exists"), none.stderr)
        XCTAssertTrue(none.stderr.hasSuffix("error: \(ids.count) case(s) could not be read; no case was listed\n"), none.stderr)
    }

    /// A damaged occurrence: `cases show` gives the case with its other occurrences, a warning
    /// naming the occurrence, and exit status 1. A damaged evidence row is named as such.
    func testDamagedOccurrenceAndEvidenceRowsAreNamed() throws {
        let (_, db) = try seededStore()
        let caseID = try XCTUnwrap(Int(try sqlite3(db, "SELECT case_id FROM events GROUP BY case_id HAVING count(*) > 1 LIMIT 1")))
        let eventIDs = try sqlite3(db, "SELECT id FROM events WHERE case_id = \(caseID) ORDER BY id").split(separator: "\n").map(String.init)
        try sqlite(db, "UPDATE events SET last_seen = '2026-05-01 24:00:00.000' WHERE id = \(eventIDs[0])")
        let r = try CLI.run(["cases", "show", "\(caseID)", "--db", db, "--format", "json"])
        XCTAssertEqual(r.status, 1, r.stderr)
        let lines = r.stderr.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 2, r.stderr)
        XCTAssertTrue(lines[0].hasPrefix("warning: database \(db) is damaged (event \(eventIDs[0]): column \"last_seen\""), r.stderr)
        XCTAssertEqual(lines[1], "error: case \(caseID): 1 occurrence(s) could not be read; the others were shown")
        XCTAssertTrue(r.stdout.contains("\"id\" : \(eventIDs[1])") || r.stdout.contains("\"id\": \(eventIDs[1])"), r.stdout)

        let evidenceID = try sqlite3(db, "SELECT evidence.id FROM evidence JOIN events ON events.id = evidence.event_id WHERE events.case_id != \(caseID) LIMIT 1")
        try sqlite(db, "UPDATE evidence SET width = 'wide' WHERE id = \(evidenceID)")
        let list = try CLI.run(["cases", "list", "--db", db])
        XCTAssertEqual(list.status, 1)
        XCTAssertTrue(list.stderr.contains(": evidence \(evidenceID): could not decode Int from database value \"wide\""), list.stderr)
    }

    func testFailedWritesAreErrors() throws {
        var st = stat()
        guard stat("/dev/full", &st) == 0, st.st_mode & S_IFMT == S_IFCHR else { throw XCTSkip("/dev/full is not a device here") }
        let (dir, db) = try seededStore()
        // Through a link, so that a version writing atomically replaces the link, not /dev/full.
        let full = dir.appendingPathComponent("full").path
        try FileManager.default.createSymbolicLink(atPath: full, withDestinationPath: "/dev/full")
        assertOneLineError(try CLI.run(["cases", "export", "--db", db, "--out", full]), mentions: "cannot write \(full): No space left on device")
        for args in [["cases", "export"], ["cases", "list"], ["cases", "show", "1"], ["report", "--out", dir.appendingPathComponent("r").path]] {
            let r = try CLI.run(args + ["--db", db], stdout: FileHandle(forWritingAtPath: "/dev/full")!)
            assertOneLineError(r, mentions: "cannot write standard output: No space left on device")
        }
        // Every command, help included, not only those of the store.
        for args in [["--help"], ["analyze", "--help"], ["help", "cases"], ["bench", "infer", "--iterations", "1"]] {
            let r = try CLI.run(args, stdout: FileHandle(forWritingAtPath: "/dev/full")!)
            assertOneLineError(r, mentions: "cannot write standard output: No space left on device")
        }
        // A command that prints as it goes names the failed write's own reason, not EIO, and stops.
        let clips = ["garbage", "clean"].map { CLI.repoRoot.appendingPathComponent("clips/samples/\($0).mp4").path }
        for format in ["table", "jsonl"] {
            let r = try CLI.run(["detect"] + clips + ["--format", format], stdout: FileHandle(forWritingAtPath: "/dev/full")!)
            assertOneLineError(r, mentions: "cannot write standard output: No space left on device")
        }
        for tail in ["/", "/."] {
            assertOneLineError(try CLI.run(["cases", "export", "--db", db, "--out", dir.appendingPathComponent("newdir").path + tail]),
                               mentions: "a folder path, not a file name")
        }
    }

    func testOutputPathErrorsArePlain() throws {
        let (dir, db) = try seededStore()
        assertOneLineError(try CLI.run(["cases", "export", "--db", db, "--out", dir.path]), mentions: "cannot write \(dir.path): Is a directory")
        let file = dir.appendingPathComponent("notes.txt")
        try "x".write(to: file, atomically: true, encoding: .utf8)
        assertOneLineError(try CLI.run(["report", "--db", db, "--out", file.path]), mentions: "\(file.path): is a file, not a folder")
        assertOneLineError(try CLI.run(["report", "--db", db, "--out", file.appendingPathComponent("r").path]),
                           mentions: "\(file.path) is a file, not a folder")
        assertOneLineError(try CLI.run(["cases", "export", "--db", db, "--out", dir.appendingPathComponent("none/x.json").path]),
                           mentions: "No such file or directory")
    }

    func testUnknownValuesAreRefused() throws {
        let (_, db) = try seededStore()
        assertOneLineError(try CLI.run(["cases", "list", "--db", db, "--category", "garbge"]),
                           mentions: "--category garbge: unknown category (accepted: garbage, illegal_ad, street_vending)")
        assertOneLineError(try CLI.run(["cases", "show", "1", "--db", db, "--format", "geojson"]), mentions: "'table' and 'json'")
        assertOneLineError(try CLI.run(["cases", "export", "--db", db, "--format", "table"]), mentions: "'json', 'csv' or 'geojson'")
    }

    /// A store the user may read but not write (another user's file) lists, shows, exports and
    /// reports; where SQLite cannot read it without writing beside it, the error says why.
    func testReadOnlyDatabaseIsReadable() throws {
        guard getuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") else {
            throw XCTSkip("needs root and setpriv to run as another user")
        }
        let nobody = ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
        let (dir, db) = try seededStore()
        try sqlite(db, "PRAGMA wal_checkpoint(TRUNCATE)")
        for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: db + suffix) }
        try FileManager.default.setAttributes([.posixPermissions: 0o1777], ofItemAtPath: dir.path)
        for args in [["cases", "list"], ["cases", "show", "1"], ["cases", "export"], ["report", "--out", dir.appendingPathComponent("r").path]] {
            let r = try CLI.run(args + ["--db", db], prefix: nobody)
            XCTAssertEqual(r.status, 0, "\(args): \(r.stderr)")
        }
        let denied = try CLI.run(["cases", "set-status", "1", "dispatched", "--db", db], prefix: nobody)
        assertOneLineError(denied, mentions: "cannot open database \(db)")
        for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: db + suffix) }
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: dir.path)
        assertOneLineError(try CLI.run(["cases", "list", "--db", db], prefix: nobody),
                           mentions: "cannot open database \(db) read-only: attempt to write a readonly database (\(db)-shm is missing")
    }
}

/// Runs SQL on `path` with the sqlite3 CLI (as another program would).
/// The SHA-256 of the file at `path` (by coreutils' `sha256sum`), in lower-case hex.
func sha256sum(_ path: String) throws -> String {
    let p = Process(), out = Pipe()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
    p.arguments = [path]
    p.standardOutput = out
    try p.run()
    let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    p.waitUntilExit()
    return String(text.prefix(64))
}

func sqlite(_ path: String, _ sql: String) throws {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
    p.arguments = [path, sql]
    p.standardOutput = FileHandle.nullDevice
    try p.run(); p.waitUntilExit()
    XCTAssertEqual(p.terminationStatus, 0, "sqlite3 \(sql)")
}


/// What the sqlite3 CLI prints for `sql` on `path`, without the trailing newline.
func sqlite3(_ path: String, _ sql: String) throws -> String {
    let p = Process(), out = Pipe()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
    p.arguments = [path, sql]
    p.standardOutput = out
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    XCTAssertEqual(p.terminationStatus, 0, "sqlite3 \(sql)")
    return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
}
