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

    /// A model that is no detector is named by its file (not its internal `name`, which may be
    /// the default model's) in one error at load, not once per input.
    func testUnfitModelNamedByItsFile() throws {
        let dir = try temporaryFolder(self)
        let model = try Fixtures.colourProbeModel(in: dir)
        let graph = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: model))) as! [String: Any]
        let img = dir.appendingPathComponent("grey.mp4")
        try Fixtures.clip(img, seconds: 1, patches: [])
        for (edit, reason) in [({ (g: inout [String: Any]) in g["head"] = ["type": "anchor"] }, "head type 'anchor' is not 'grid'"),
                               ({ (g: inout [String: Any]) in g["outputs"] = ["input"] }, "head output 'input' has shape [3, 36, 64]")] {
            var g = graph
            g["name"] = "streetwarden-v1"
            edit(&g)
            try JSONSerialization.data(withJSONObject: g).write(to: URL(fileURLWithPath: model))
            let r = try CLI.run(["detect", img.path, img.path, "--model", model])
            assertOneLineError(r, mentions: "error: \(model): \(reason)")
            XCTAssertFalse(r.stderr.contains("streetwarden-v1"), r.stderr)
        }
    }

    /// A model file that is not there is "No such file or directory", whichever of the pair it is.
    func testMissingGraphOrWeightsSaysNoSuchFile() throws {
        let dir = try temporaryFolder(self)
        let lone = dir.appendingPathComponent("small-targets.json")
        try Data(#"{"classes": {"garbage": {"min_size": 8}}}"#.utf8).write(to: lone)
        let notice = dir.appendingPathComponent("NOTICE")
        try Data("Weights licensed under …\n".utf8).write(to: notice)
        let db = dir.appendingPathComponent("x.sqlite").path
        var r = try CLI.run(["analyze", "a.mp4", "--model", lone.path, "--db", db])
        assertOneLineError(r, mentions: dir.appendingPathComponent("small-targets.safetensors").path + ": No such file or directory")
        r = try CLI.run(["analyze", "a.mp4", "--model", notice.path, "--db", db])
        assertOneLineError(r, mentions: notice.path + ".json: No such file or directory")
        XCTAssertFalse(r.stderr.contains("cannot read"), r.stderr)
    }

    /// A --start the store could not keep (year 99999) is refused before anything is stored.
    func testImplausibleStartRejected() throws {
        let dir = try temporaryFolder(self)
        let db = dir.appendingPathComponent("x.sqlite").path
        let r = try CLI.run(["analyze", "a.mp4", "--start", "99999-01-01T00:00:00Z", "--db", db])
        assertOneLineError(r, mentions: "--start 99999-01-01T00:00:00Z: not a date-time such as 2026-11-29T08:00:00+08:00 or 2026-11-29 08:00Z (ISO 8601 with a zone: Z, ±HH:MM or ±HHMM) from 1970 to 2999")
        XCTAssertFalse(FileManager.default.fileExists(atPath: db), "no store created")
    }

    /// The evidence folder being a file: one line naming it with the system's reason, not
    /// Foundation's error dump.
    func testEvidenceFolderThatIsAFileIsOneLine() throws {
        let dir = try temporaryFolder(self)
        try Data("x".utf8).write(to: dir.appendingPathComponent("evidence"))
        let clip = dir.appendingPathComponent("g.mp4")
        try Fixtures.clip(clip, seconds: 150, patches: [.init(color: "red", x: 20, y: 120, size: 40, ranges: [(0, 150)])])
        let model = try Fixtures.colourProbeModel(in: dir)
        let r = try CLI.run(["analyze", clip.path, "--db", dir.appendingPathComponent("x.sqlite").path, "--model", model])
        assertOneLineError(r, mentions: dir.appendingPathComponent("evidence").path)
        XCTAssertFalse(r.stderr.contains("Error Domain"), r.stderr)
    }

    /// `watch` with a camera that is a local file not there (or a bare "42"), or a URL whose
    /// protocol does not exist: one line naming the config and the camera, at once, instead of
    /// retrying for ever.
    func testWatchWithAMissingLocalCameraFailsAtStart() throws {
        let dir = try temporaryFolder(self)
        let cfg = dir.appendingPathComponent("cams.yaml")
        try "cameras:\n  - id: gate\n    url: \(dir.path)/gone.mp4\n".write(to: cfg, atomically: true, encoding: .utf8)
        let r = try CLI.run(["watch", "--config", cfg.path, "--db", dir.appendingPathComponent("x.sqlite").path])
        assertOneLineError(r, mentions: "config \(cfg.path): camera 'gate': \(dir.path)/gone.mp4: no such file")
        let bare = dir.appendingPathComponent("bare.yaml")
        try "42\n".write(to: bare, atomically: true, encoding: .utf8)
        let b = try CLI.run(["watch", "--config", bare.path, "--db", dir.appendingPathComponent("x.sqlite").path])
        assertOneLineError(b, mentions: "config \(bare.path): camera 'camera-1': 42: no such file")
        // A mistyped protocol is a typo too; a known one whose server is down is waited for.
        for (url, reason) in [("rstp://127.0.0.1:554/live", "unknown protocol 'rstp'"), ("garbage://x", "unknown protocol 'garbage'"),
                              ("RTSP://127.0.0.1:554/live", "protocol names are lower case: rtsp://"),
                              ("Http://127.0.0.1/x.m3u8", "protocol names are lower case: http://"), ("RSTP://x", "unknown protocol 'RSTP'")] {
            let typo = dir.appendingPathComponent("typo.yaml")
            try "\(url)\n".write(to: typo, atomically: true, encoding: .utf8)
            let t = try CLI.run(["watch", "--config", typo.path, "--db", dir.appendingPathComponent("x.sqlite").path])
            assertOneLineError(t, mentions: "config \(typo.path): camera 'camera-1': \(url): \(reason)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("x.sqlite").path), "nothing created")
    }

    /// An evidence folder named like the database's own files (its -journal) would make the
    /// store unreadable: refused before anything is written.
    func testEvidenceFolderCannotTakeTheDatabasesNames() throws {
        let dir = try temporaryFolder(self)
        let cfg = dir.appendingPathComponent("cams.yaml")
        try "evidence: {folder: a.sqlite-journal}\n".write(to: cfg, atomically: true, encoding: .utf8)
        let r = try CLI.run(["analyze", "x.mp4", "--config", cfg.path, "--db", dir.appendingPathComponent("a.sqlite").path])
        assertOneLineError(r, mentions: "config \(cfg.path): evidence folder 'a.sqlite-journal' would take the name of the database's own file")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("a.sqlite").path))
    }

    func testNonNumericJobsRejected() throws {
        let r = try CLI.run(["analyze", "a.mp4", "--jobs", "0"])
        XCTAssertNotEqual(r.status, 0)
    }

    /// A negative number after an option is its value, not another option: `--gps-offset -2`
    /// works, and an out-of-range value gets its own reason, not "Missing value".
    func testNegativeNumbersAreOptionValues() throws {
        let clip = CLI.repoRoot.appendingPathComponent("clips/samples/garbage.mp4").path
        guard FileManager.default.fileExists(atPath: clip) else { throw XCTSkip("no sample clip at \(clip)") }
        for (args, reason) in [(["detect", clip, "--fps", "-1"], "--fps must be a finite number ≥ 0, not -1.0"),
                               (["detect", clip, "--fps", "nan"], "--fps must be a finite number ≥ 0, not nan"),
                               (["detect", clip, "--fps", "1e400"], "--fps must be a finite number ≥ 0, not inf"),
                               (["bench", "decode", clip, "--duration", "-1"], "--duration must be a finite number of seconds above 0, not -1.0"),
                               (["bench", "decode", clip, "--duration", "nan"], "--duration must be a finite number of seconds above 0, not nan"),
                               (["bench", "decode", clip, "--size", "-5x10"], "--size must look like 512x288"),
                               (["watch", "--config", "x.yaml", "--metrics-port", "-5"], "--metrics-port -5: must be a port number")] {
            assertOneLineError(try CLI.run(args), mentions: reason)
        }
        let dir = try temporaryFolder(self)
        let track = dir.appendingPathComponent("t.csv")
        try "time,lat,lon\n2026-11-29T08:00:00Z,22.5,114.0\n2026-11-29T08:00:10Z,22.5,114.001\n".write(to: track, atomically: true, encoding: .utf8)
        let r = try CLI.run(["analyze", clip, "--gps", track.path, "--gps-offset", "-2", "--start", "2026-11-29T08:00:00Z",
                             "--db", dir.appendingPathComponent("x.sqlite").path, "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("\"csv:\(track.path)@-2s\""), "the offset is applied: \(r.stdout)")
    }
}
