import CaseStore
import Foundation
import XCTest

/// `analyze` end to end: generated clips, a real model file run by the real engine, a real
/// SQLite file, the built binary.
final class AnalyzeCommandTests: XCTestCase {
    var dir: URL!
    var model: String!

    override func setUpWithError() throws {
        dir = try temporaryFolder(self)
        model = try Fixtures.colourProbeModel(in: dir)
    }

    func json(_ s: String) throws -> Any { try JSONSerialization.jsonObject(with: Data(s.utf8)) }

    /// Runs a tool on the PATH (ffmpeg, ffprobe); its status and standard output.
    func tool(_ name: String, _ args: [String]) throws -> (status: Int32, stdout: String) {
        let p = Process(), out = Pipe()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [name] + args
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// 5 min garbage, 5 min clean, the same garbage 5 min: two occurrences of one case.
    func testFiveCleanFiveGivesOneCaseTwoOccurrences() throws {
        let clip = dir.appendingPathComponent("recur.mp4")
        try Fixtures.clip(clip, seconds: 900, patches: [.init(color: "red", x: 140, y: 110, size: 40, ranges: [(0, 300), (600, 900)])])
        let db = dir.appendingPathComponent("db/cases.sqlite").path
        let r = try CLI.run(["analyze", clip.path, "--db", db, "--model", model, "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let summary = try XCTUnwrap((try json(r.stdout) as? [[String: Any]])?.first)
        XCTAssertEqual(summary["status"] as? String, "analyzed")
        XCTAssertEqual(summary["occurrences"] as? Int, 2)
        XCTAssertEqual(summary["new_cases"] as? Int, 1)
        XCTAssertEqual(summary["samples"] as? Int, 450)
        let list = try CLI.run(["cases", "list", "--db", db, "--format", "json"])
        let cases = try XCTUnwrap(try json(list.stdout) as? [[String: Any]])
        XCTAssertEqual(cases.count, 1)
        XCTAssertEqual(cases[0]["category"] as? String, "garbage")
        XCTAssertEqual(cases[0]["code"] as? String, "0102")
        XCTAssertEqual(cases[0]["occurrences"] as? Int, 2)
        let evidence = try XCTUnwrap(cases[0]["evidence"] as? [[String: String]])
        XCTAssertEqual(evidence.count, 6, "frame, crop and first-seen frame per occurrence")
        for e in evidence {
            let path = URL(fileURLWithPath: db).deletingLastPathComponent().appendingPathComponent(e["path"]!)
            let data = try Data(contentsOf: path)
            XCTAssertEqual(Array(data.prefix(2)), [0xFF, 0xD8])
            XCTAssertEqual(e["sha256"]?.count, 64)
        }
        let show = try CLI.run(["cases", "show", "1", "--db", db, "--format", "json"])
        let events = try XCTUnwrap((try json(show.stdout) as? [String: Any])?["events"] as? [[String: Any]])
        XCTAssertEqual(events.map { $0["first_seen_pts"] as? Double }, [0, 600])
        XCTAssertEqual(events.map { $0["violation_pts"] as? Double }, [120, 720])
    }

    /// All three classes, the config's zones and codes, plain per-clip lines off a terminal,
    /// --jobs with several clips, and re-runs that store nothing twice.
    func testThreeClassesJobsAndRerun() throws {
        var clips: [String] = []
        for i in 0..<3 {
            let c = dir.appendingPathComponent("street-\(i).mp4")
            try Fixtures.clip(c, seconds: 240, patches: [
                .init(color: "red", x: 20 + 8 * i, y: 120, size: 40, ranges: [(0, 240)]),
                .init(color: "lime", x: 140, y: 110, size: 48, ranges: [(10, 240)]),
                .init(color: "blue", x: 260, y: 20, size: 32, ranges: [(0, 100)]),
            ])
            clips.append(c.path)
        }
        let cfg = dir.appendingPathComponent("cams.yaml")
        try """
        cameras:
          - id: market
            url: street-0.mp4
            location: { address: 人民路 12 号, latitude: 31.23, longitude: 121.47 }
            zones:
              - id: shopfront
                polygon: [[0.3, 0.4], [0.7, 0.4], [0.7, 1.0], [0.3, 1.0]]
                prohibit: [street_vending]
                codes: { street_vending: "0504" }
              - id: street
                prohibit: [garbage, illegal_ad]
        """.write(to: cfg, atomically: true, encoding: .utf8)
        let db = dir.appendingPathComponent("cases.sqlite").path
        let r = try CLI.run(["analyze"] + clips + ["--db", db, "--model", model, "--config", cfg.path, "--jobs", "2"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n")
        for c in clips { XCTAssertTrue(lines.contains { $0.hasPrefix(c + ": ") && $0.contains("3 occurrence(s)") }, r.stdout) }
        XCTAssertTrue(r.stdout.contains("3 clip(s), 9 new occurrence(s), 0 failed"), r.stdout)
        let cases = try XCTUnwrap(try json(try CLI.run(["cases", "list", "--db", db, "--format", "json"]).stdout) as? [[String: Any]])
        XCTAssertEqual(cases.count, 9, "3 per clip; clips without a camera are separate sources")
        XCTAssertEqual(Set(cases.compactMap { $0["category"] as? String }), ["garbage", "street_vending", "illegal_ad"])
        let market = cases.filter { $0["source"] as? String == "market" }
        XCTAssertEqual(market.count, 3)
        XCTAssertEqual(market.first { $0["category"] as? String == "street_vending" }?["code"] as? String, "0504")
        XCTAssertEqual((market[0]["location"] as? [String: Any])?["address"] as? String, "人民路 12 号")

        // Re-run: complete clips are skipped; --force re-analyses and stores nothing new.
        let again = try CLI.run(["analyze"] + clips + ["--db", db, "--model", model, "--config", cfg.path])
        XCTAssertEqual(again.status, 0)
        XCTAssertEqual(again.stdout.components(separatedBy: "already analyzed, skipped").count - 1, 3, again.stdout)
        let forced = try CLI.run(["analyze", clips[0], "--db", db, "--model", model, "--config", cfg.path, "--force", "--json"])
        let s = try XCTUnwrap((try json(forced.stdout) as? [[String: Any]])?.first)
        XCTAssertEqual(s["occurrences"] as? Int, 0)
        XCTAssertEqual(s["already_stored"] as? Int, 3)
        let store = try CaseStore(path: db)
        XCTAssertEqual(try store.events().count, 9)
        XCTAssertEqual(try store.check(), [])
    }

    /// `kill -9` in the middle of a run leaves a consistent database; the re-run finishes the
    /// work and ends with exactly what a clean run stores.
    func testKill9MidRunThenRerunFinishesWithoutDuplicates() throws {
        let clip = dir.appendingPathComponent("long.mp4")
        // Garbage every other 3 minutes, alternating between two places: many occurrences.
        var left: [(Double, Double)] = [], right: [(Double, Double)] = []
        for k in 0..<10 {
            let r = (Double(k) * 360, Double(k) * 360 + 180)
            if k % 2 == 0 { left.append(r) } else { right.append(r) }
        }
        try Fixtures.clip(clip, seconds: 3600, patches: [
            .init(color: "red", x: 20, y: 120, size: 40, ranges: left),
            .init(color: "red", x: 240, y: 120, size: 40, ranges: right),
        ])
        let cfg = dir.appendingPathComponent("every.yaml")
        try "defaults:\n  sampling: every_frame\n".write(to: cfg, atomically: true, encoding: .utf8)
        let db = dir.appendingPathComponent("killed.sqlite").path

        let p = Process()
        p.executableURL = URL(fileURLWithPath: CLI.binary)
        p.arguments = ["analyze", clip.path, "--db", db, "--model", model, "--config", cfg.path]
        p.standardOutput = FileHandle.nullDevice; p.standardError = FileHandle.nullDevice
        try p.run()
        // Wait for the first stored occurrence, then kill -9.
        let deadline = Date().addingTimeInterval(120)
        var seen = 0
        while Date() < deadline && p.isRunning {
            if FileManager.default.fileExists(atPath: db), let s = try? CaseStore(path: db), let n = try? s.events().count, n > 0 {
                seen = n; break
            }
            usleep(20_000)
        }
        XCTAssertTrue(p.isRunning, "the run must still be going when killed")
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationReason, .uncaughtSignal)
        XCTAssertGreaterThan(seen, 0)

        let killed = try CaseStore(path: db)
        XCTAssertEqual(try killed.check(), [], "consistent after kill -9")
        XCTAssertEqual(try killed.runs().map(\.status), ["running"])
        let partial = try killed.events().count
        XCTAssertLessThan(partial, 10)
        for e in try killed.events() { XCTAssertFalse(e.evidence.isEmpty, "no event without its evidence") }

        let rerun = try CLI.run(["analyze", clip.path, "--db", db, "--model", model, "--config", cfg.path, "--json"])
        XCTAssertEqual(rerun.status, 0, rerun.stderr)
        let clean = dir.appendingPathComponent("clean.sqlite").path
        XCTAssertEqual(try CLI.run(["analyze", clip.path, "--db", clean, "--model", model, "--config", cfg.path]).status, 0)

        let a = try CaseStore(path: db), b = try CaseStore(path: clean)
        XCTAssertEqual(try a.events().map(\.key), try b.events().map(\.key), "same events as a clean run, none twice")
        XCTAssertEqual(try a.events().count, 10)
        XCTAssertEqual(try a.cases().map(\.occurrences), try b.cases().map(\.occurrences))
        XCTAssertEqual(try a.runs().map(\.status), ["interrupted", "complete"])
        XCTAssertEqual(try a.check(), [])
    }

    /// A phone clip recorded sideways, whose display matrix says to turn it back (ffmpeg 5.1's
    /// `rotate=90` tag: shown turned 90° counter-clockwise), is analysed as players show it: the
    /// zone drawn on the upright picture's top-left quarter catches the garbage there (on the
    /// decoded picture it lies near the right edge), and the evidence is stored upright.
    func testSidewaysPhoneClipIsAnalysedUpright() throws {
        let upright = dir.appendingPathComponent("upright.mp4")
        try Fixtures.clip(upright, seconds: 150, patches: [.init(color: "red", x: 20, y: 20, size: 40, ranges: [(0, 150)])])
        let sensor = dir.appendingPathComponent("sensor.mp4").path, phone = dir.appendingPathComponent("phone.mp4").path
        for args in [["-i", upright.path, "-vf", "transpose=clock", "-c:v", "libx264", "-preset", "ultrafast",
                      "-g", "10", "-keyint_min", "10", "-sc_threshold", "0", "-pix_fmt", "yuv420p", sensor],
                     ["-i", sensor, "-c", "copy", "-metadata:s:v:0", "rotate=90", phone]] {
            XCTAssertEqual(try tool("ffmpeg", ["-v", "error", "-y"] + args).status, 0)
        }
        let cfg = dir.appendingPathComponent("phone.yaml")
        try """
        cameras:
          - id: phone
            url: phone.mp4
            zones:
              - id: corner
                polygon: [[0, 0], [0.5, 0], [0.5, 0.5], [0, 0.5]]
                prohibit: [garbage]
        """.write(to: cfg, atomically: true, encoding: .utf8)
        let db = dir.appendingPathComponent("phone.sqlite").path
        let r = try CLI.run(["analyze", phone, "--db", db, "--model", model, "--config", cfg.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        let events = try CaseStore(path: db).events()
        XCTAssertEqual(events.map(\.category), ["garbage"], r.stdout)
        XCTAssertEqual(events.first?.zoneID, "corner")
        if let b = events.first?.box {
            XCTAssertLessThan((b.x1 + b.x2) / 2, 0.5, "upright coordinates: \(b)")
            XCTAssertLessThan((b.y1 + b.y2) / 2, 0.5, "upright coordinates: \(b)")
        }
        let frames = events.first?.evidence.filter { $0.kind == .frame } ?? []
        XCTAssertEqual(frames.count, 1)
        for e in frames {
            XCTAssertEqual([e.width, e.height], [320, 180])
            let path = URL(fileURLWithPath: db).deletingLastPathComponent().appendingPathComponent(e.path).path
            let probe = try tool("ffprobe", ["-v", "error", "-show_entries", "stream=width,height", "-of", "csv=p=0", path])
            XCTAssertEqual(probe.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "320,180", "the stored JPEG")
        }
    }

    /// A display matrix that is no quarter turn is not applied, and `analyze` says so.
    func testTiltedClipIsAnalysedAsDecodedWithAWarning() throws {
        let plain = dir.appendingPathComponent("plain.mp4"), tilted = dir.appendingPathComponent("tilted.mp4").path
        try Fixtures.clip(plain, seconds: 4, patches: [])
        XCTAssertEqual(try tool("ffmpeg", ["-v", "error", "-y", "-i", plain.path, "-c", "copy", "-metadata:s:v:0", "rotate=45", tilted]).status, 0)
        let db = dir.appendingPathComponent("tilted.sqlite").path
        let r = try CLI.run(["analyze", tilted, "--db", db, "--model", model])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("warning: \(tilted): its display matrix turns the picture ") && r.stderr.contains("not a quarter turn; analysed as decoded"),
                      r.stderr)
        let quiet = try CLI.run(["analyze", plain.path, "--db", db, "--model", model])
        XCTAssertFalse(quiet.stderr.contains("display matrix"), quiet.stderr)
    }

    /// A later recording of a camera that holds the same pictures (the first recording with more
    /// joined after it): its evidence JPEGs are byte for byte those already stored under the same
    /// names, and go under numbered names instead of failing on the store's unique paths.
    func testSamePicturesInALaterRecordingGetTheirOwnEvidence() throws {
        let garbage = dir.appendingPathComponent("g.ts"), clean = dir.appendingPathComponent("c.ts")
        try Fixtures.clip(garbage, seconds: 200, patches: [.init(color: "red", x: 140, y: 110, size: 40, ranges: [(0, 200)])])
        try Fixtures.clip(clean, seconds: 20, patches: [])
        let cam = dir.appendingPathComponent("cam.ts")
        let cfg = dir.appendingPathComponent("cam.yaml")
        try "cameras:\n  - id: C\n    url: cam.ts\n".write(to: cfg, atomically: true, encoding: .utf8)
        let db = dir.appendingPathComponent("same.sqlite").path
        try FileManager.default.copyItem(at: garbage, to: cam)
        let first = try CLI.run(["analyze", cam.path, "--db", db, "--model", model, "--config", cfg.path, "--start", "2026-05-01T08:00:00Z"])
        XCTAssertEqual(first.status, 0, first.stderr)
        let joined = try Data(contentsOf: garbage) + Data(contentsOf: clean)
        try joined.write(to: cam)
        let second = try CLI.run(["analyze", cam.path, "--db", db, "--model", model, "--config", cfg.path, "--start", "2026-05-02T08:00:00Z"])
        XCTAssertEqual(second.status, 0, second.stderr)
        let events = try CaseStore(path: db).events()
        XCTAssertEqual(events.count, 2, "one occurrence per recording")
        let paths = events.flatMap { $0.evidence.map(\.path) }
        XCTAssertEqual(Set(paths).count, paths.count, "every evidence row has its own file: \(paths)")
        XCTAssertTrue(paths.contains { $0.hasSuffix("-frame-1.jpg") }, "\(paths)")
    }

    func testBadClipIsOneLineAndKeepsTheStore() throws {
        let good = dir.appendingPathComponent("good.mp4")
        try Fixtures.clip(good, seconds: 150, patches: [.init(color: "red", x: 20, y: 120, size: 40, ranges: [(0, 150)])])
        let bad = dir.appendingPathComponent("notes.mp4")
        try "just text".write(to: bad, atomically: true, encoding: .utf8)
        let db = dir.appendingPathComponent("c.sqlite").path
        XCTAssertEqual(try CLI.run(["analyze", good.path, "--db", db, "--model", model]).status, 0)
        let r = try CLI.run(["analyze", bad.path, dir.appendingPathComponent("missing.mp4").path, "--db", db, "--model", model])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stdout.contains("notes.mp4: failed: "), r.stdout)
        XCTAssertTrue(r.stdout.contains("missing.mp4: failed: cannot open"), r.stdout)
        XCTAssertFalse(r.stderr.contains("Fatal"))
        let errors = r.stderr.split(separator: "\n")
        XCTAssertEqual(errors.count, 2, "one error line per failed clip: \(r.stderr)")
        XCTAssertTrue(errors.allSatisfy { $0.hasPrefix("error: ") }, r.stderr)
        XCTAssertTrue(errors[0].contains("notes.mp4") && errors[1].contains("missing.mp4"), r.stderr)
        XCTAssertEqual(try CaseStore(path: db).cases().count, 1, "nothing stored lost")
    }

    /// Paths that are not clips: a directory, a pipe (which would block for ever), a link
    /// loop, a name with a newline. Each is one error line with the reason, never a crash or a
    /// hang. (A file that cannot be opened at all is covered in SHA256Tests.)
    func testUnopenableClipIsAnErrorNotACrash() throws {
        let db = dir.appendingPathComponent("s.sqlite").path
        let folder = dir.appendingPathComponent("clips.mp4")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let d = try CLI.run(["analyze", folder.path, "--db", db, "--model", model])
        XCTAssertEqual(d.status, 1)
        XCTAssertTrue(d.stderr.contains("is a directory"), d.stderr)
        // A pipe would block for ever: refused at once.
        let fifo = dir.appendingPathComponent("feed.mp4").path
        XCTAssertEqual(mkfifo(fifo, 0o644), 0)
        let f = try CLI.run(["analyze", fifo, "--db", db, "--model", model])
        XCTAssertEqual(f.status, 1)
        XCTAssertEqual(f.stderr, "error: cannot open \(fifo): not a regular file (a pipe or device); use watch for streams\n")
        // A link loop and a name with a newline: the system's reason, on one line.
        let loop = dir.appendingPathComponent("loop.mp4").path
        XCTAssertEqual(symlink(loop, loop), 0)
        let l = try CLI.run(["detect", loop, "--model", model])
        XCTAssertTrue(l.stderr.contains("\(loop): Too many levels of symbolic links"), l.stderr)
        let odd = try CLI.run(["detect", dir.appendingPathComponent("bad\nname.mp4").path, "--model", model])
        XCTAssertTrue(odd.stderr.contains("bad\\nname.mp4"), odd.stderr)
        XCTAssertEqual(odd.stderr.split(separator: "\n").count, 2, "the error and the tally: \(odd.stderr)")
    }

    /// A clip cut short: what was analysed before the cut is stored, its open incident ends
    /// there, and the summary counts it (the clip is still reported as failed).
    func testTruncatedClipCountsWhatItStored() throws {
        let clip = dir.appendingPathComponent("cut.mp4")
        try Fixtures.clip(clip, seconds: 300, patches: [.init(color: "red", x: 140, y: 110, size: 40, ranges: [(0, 300)])],
                          extra: ["-movflags", "+faststart"])
        let whole = try Data(contentsOf: clip)
        try whole.prefix(whole.count * 7 / 10).write(to: clip)
        let db = dir.appendingPathComponent("t.sqlite").path
        let r = try CLI.run(["analyze", clip.path, "--db", db, "--model", model, "--json"])
        XCTAssertEqual(r.status, 1)
        let summary = try XCTUnwrap((try json(r.stdout) as? [[String: Any]])?.first)
        XCTAssertEqual(summary["status"] as? String, "failed")
        XCTAssertEqual(summary["occurrences"] as? Int, 1, r.stdout)
        XCTAssertEqual(summary["new_cases"] as? Int, 1, r.stdout)
        XCTAssertGreaterThan(summary["samples"] as? Int ?? 0, 60)
        let store = try CaseStore(path: db)
        XCTAssertEqual(try store.events().count, 1)
        let text = try CLI.run(["analyze", clip.path, "--db", db, "--model", model, "--force"])
        XCTAssertTrue(text.stdout.contains("cut.mp4: failed (after "), text.stdout)
        XCTAssertTrue(text.stdout.contains("0 occurrence(s) stored)") || text.stdout.contains("1 occurrence(s) stored)"), text.stdout)
    }
}
