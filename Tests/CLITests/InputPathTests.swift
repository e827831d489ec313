import Foundation
import XCTest

/// Inputs named by paths that are not plain files (pipes, link loops, folders, names too long
/// for SQLite): one line with the system's reason, at once, for every kind of input. Audit pass 8.
final class InputPathTests: XCTestCase {
    func assertOneLineError(_ r: CLI.Result, mentions: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertNotEqual(r.status, 0, file: file, line: line)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, "one line: \(r.stderr)", file: file, line: line)
        XCTAssertTrue(r.stderr.contains(mentions), "'\(mentions)' in: \(r.stderr)", file: file, line: line)
    }

    var clip: String { CLI.repoRoot.appendingPathComponent("clips/samples/clean.mp4").path }

    /// A named pipe as the model used to block for ever; a link loop was "no such file".
    func testModelThatIsAPipeOrALinkLoop() throws {
        let dir = try temporaryFolder(self)
        let model = try Fixtures.colourProbeModel(in: dir)
        let pipe = dir.appendingPathComponent("p.json").path
        XCTAssertEqual(mkfifo(pipe, 0o644), 0)
        try FileManager.default.copyItem(atPath: model.replacingOccurrences(of: ".json", with: ".safetensors"),
                                        toPath: dir.appendingPathComponent("p.safetensors").path)
        let began = Date()
        assertOneLineError(try CLI.run(["detect", clip, "--model", pipe]), mentions: "p.json: not a regular file (a pipe or device)")
        XCTAssertLessThan(Date().timeIntervalSince(began), 20, "refused at once, not waited on")
        let loop = dir.appendingPathComponent("l1.json").path
        try FileManager.default.createSymbolicLink(atPath: loop, withDestinationPath: "l2.json")
        try FileManager.default.createSymbolicLink(atPath: dir.appendingPathComponent("l2.json").path, withDestinationPath: "l1.json")
        assertOneLineError(try CLI.run(["detect", clip, "--model", loop]), mentions: "model \(loop): Too many levels of symbolic links")
    }

    /// Config, track and camera files get the same reasons as clips.
    func testConfigTrackAndCameraReasons() throws {
        let dir = try temporaryFolder(self)
        let db = dir.appendingPathComponent("x.sqlite").path
        assertOneLineError(try CLI.run(["analyze", clip, "--db", db, "--config", dir.path]), mentions: "config \(dir.path): is a directory")
        assertOneLineError(try CLI.run(["analyze", clip, "--db", db, "--config", dir.appendingPathComponent("none.yaml").path]),
                           mentions: "none.yaml: no such file")
        assertOneLineError(try CLI.run(["analyze", clip, "--db", db, "--gps", dir.path]), mentions: "\(dir.path): is a directory")
        let loop = dir.appendingPathComponent("loop1").path
        try FileManager.default.createSymbolicLink(atPath: loop, withDestinationPath: "loop2")
        try FileManager.default.createSymbolicLink(atPath: dir.appendingPathComponent("loop2").path, withDestinationPath: "loop1")
        let cfg = dir.appendingPathComponent("u.yaml")
        try "cameras:\n  - id: a\n    url: \(loop)\n".write(to: cfg, atomically: true, encoding: .utf8)
        assertOneLineError(try CLI.run(["watch", "--config", cfg.path, "--db", db]),
                           mentions: "camera 'a': \(loop): Too many levels of symbolic links")
        XCTAssertFalse(FileManager.default.fileExists(atPath: db), "nothing created")
    }

    /// A model whose classes the rules do not know would have every detection dropped.
    func testModelWithoutAnyRuleClassIsRefused() throws {
        let dir = try temporaryFolder(self)
        let model = try Fixtures.colourProbeModel(in: dir)
        var json = try String(contentsOfFile: model, encoding: .utf8)
        for (old, new) in [("street_vending", "a"), ("garbage", "b"), ("illegal_ad", "c")] { json = json.replacingOccurrences(of: old, with: new) }
        try json.write(toFile: model, atomically: true, encoding: .utf8)
        let r = try CLI.run(["analyze", clip, "--db", dir.appendingPathComponent("x.sqlite").path, "--model", model])
        assertOneLineError(r, mentions: "model \(model): none of its classes (a, b, c) is street_vending, garbage, illegal_ad")
    }

    /// SQLite adds "-journal", "-wal" and "-shm" to the database's name and opens it by its full
    /// path: a name or path too long for that is said up front, and no empty file is left.
    func testDatabaseNamesTooLongForSQLite() throws {
        let dir = try temporaryFolder(self)
        let name = String(repeating: "b", count: 251) + ".db"
        assertOneLineError(try CLI.run(["analyze", clip, "--db", name], cwd: dir), mentions: "database \(name): File name too long")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), [], "no file left behind")
        // A working folder deeper than PATH_MAX (made one level at a time, as the system allows),
        // where "x.sqlite" is a short name with a full path SQLite cannot open.
        let seg = String(repeating: "d", count: 200)
        let sh = Process()
        sh.executableURL = URL(fileURLWithPath: "/bin/bash")
        sh.arguments = ["-c", "cd \"$1\" && for i in $(seq 21); do mkdir \(seg) && cd \(seg) || exit 1; done; \"$2\" cases list --db x.sqlite",
                        "sh", dir.path, CLI.binary]
        let err = Pipe()
        sh.standardError = err
        sh.standardOutput = FileHandle.nullDevice
        try sh.run()
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        sh.waitUntilExit()
        XCTAssertEqual(sh.terminationStatus, 1, text)
        XCTAssertTrue(text.hasPrefix("error: database x.sqlite: File name too long (its full path is "), text)
        XCTAssertEqual(text.split(separator: "\n").count, 1, text)
    }

    /// An export onto a dangling link would replace the link; an empty --out names itself.
    func testExportOntoADanglingLinkOrAnEmptyPath() throws {
        let dir = try temporaryFolder(self)
        let db = dir.appendingPathComponent("x.sqlite").path
        XCTAssertEqual(try CLI.run(["analyze", clip, "--db", db, "--model", try Fixtures.colourProbeModel(in: dir)]).status, 0)
        let link = dir.appendingPathComponent("dangling").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "nowhere/x")
        assertOneLineError(try CLI.run(["cases", "export", "--db", db, "--out", link]), mentions: "cannot write \(link): it is a link to nothing")
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: link), "nowhere/x", "the link is kept")
        assertOneLineError(try CLI.run(["cases", "export", "--db", db, "--out", ""]), mentions: "cases export --out: the file path is empty")
        // A negative case id is named as such, not "Missing expected argument" or the status blamed.
        assertOneLineError(try CLI.run(["cases", "show", "-1", "--db", db]), mentions: "case id must be a positive whole number, not -1")
        assertOneLineError(try CLI.run(["cases", "set-status", "-5", "closed", "--db", db]), mentions: "case id must be a positive whole number, not -5")
        let note = try CLI.run(["cases", "set-status", "99", "rejected", "--note", "-5", "--db", db])
        XCTAssertTrue(note.stderr.contains("no case 99"), "a note may read -5: \(note.stderr)")
    }
}
