import Foundation
import XCTest

/// Bad config, model or clip: one line naming it, non-zero exit, nothing stored lost.
final class BadInputTests: XCTestCase {
    func assertOneLineError(_ r: CLI.Result, mentions: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertNotEqual(r.status, 0, file: file, line: line)
        let lines = r.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, "one line: \(r.stderr)", file: file, line: line)
        XCTAssertTrue(r.stderr.contains(mentions), "'\(mentions)' in: \(r.stderr)", file: file, line: line)
        XCTAssertFalse(r.stderr.contains("Fatal error"), file: file, line: line)
    }

    func testBadConfigNamesFileCameraAndZone() throws {
        let dir = try temporaryFolder(self)
        let cfg = dir.appendingPathComponent("cams.yaml")
        try "cameras:\n  - id: gate\n    url: a.mp4\n    zones:\n      - id: kerb\n        prohibit: [trash]\n".write(to: cfg, atomically: true, encoding: .utf8)
        let r = try CLI.run(["analyze", "a.mp4", "--config", cfg.path, "--db", dir.appendingPathComponent("x.sqlite").path])
        assertOneLineError(r, mentions: "camera 'gate', zone 'kerb': unknown class 'trash'")
        XCTAssertTrue(r.stderr.contains(cfg.path))
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("x.sqlite").path), "no store created")
        let w = try CLI.run(["watch", "--config", cfg.path, "--db", dir.appendingPathComponent("x.sqlite").path])
        assertOneLineError(w, mentions: "unknown class 'trash'")
        let missing = try CLI.run(["watch", "--config", dir.appendingPathComponent("none.yaml").path])
        assertOneLineError(missing, mentions: "none.yaml")
    }

    func testMissingModelNamesIt() throws {
        let dir = try temporaryFolder(self)
        let r = try CLI.run(["analyze", "a.mp4", "--model", "/nonexistent/m.json", "--db", dir.appendingPathComponent("x.sqlite").path])
        assertOneLineError(r, mentions: "/nonexistent/m.json")
    }

    func testBadModelFileNamesIt() throws {
        let dir = try temporaryFolder(self)
        let m = dir.appendingPathComponent("broken.json")
        try "{ not a model".write(to: m, atomically: true, encoding: .utf8)
        let r = try CLI.run(["analyze", "a.mp4", "--model", m.path, "--db", dir.appendingPathComponent("x.sqlite").path])
        assertOneLineError(r, mentions: m.path)
    }

    /// `--model NAME` (the base, as `bench infer` takes it) finds NAME.json; a truncated
    /// weights file is then named, not reported as missing.
    func testModelBaseNameFindsTheGraphAndNamesBadWeights() throws {
        let dir = try temporaryFolder(self)
        let base = dir.appendingPathComponent("cut")
        let graph = try Data(contentsOf: CLI.repoRoot.appendingPathComponent("models/streetwarden-v1.json"))
        try graph.write(to: URL(fileURLWithPath: base.path + ".json"))
        let weights = try Data(contentsOf: CLI.repoRoot.appendingPathComponent("models/streetwarden-v1.safetensors"))
        try weights.prefix(5000).write(to: URL(fileURLWithPath: base.path + ".safetensors"))
        let r = try CLI.run(["analyze", "a.mp4", "--model", base.path, "--db", dir.appendingPathComponent("x.sqlite").path])
        assertOneLineError(r, mentions: "cut.safetensors: truncated")
        XCTAssertFalse(r.stderr.contains("no such file"), r.stderr)
        let missing = try CLI.run(["analyze", "a.mp4", "--model", dir.appendingPathComponent("none").path,
                                   "--db", dir.appendingPathComponent("x.sqlite").path])
        assertOneLineError(missing, mentions: "none: no such file")
    }

    func testNonNumericJobsRejected() throws {
        let r = try CLI.run(["analyze", "a.mp4", "--jobs", "0"])
        XCTAssertNotEqual(r.status, 0)
    }
}
