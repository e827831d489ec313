import CaseStore
import Foundation
import XCTest

/// What `analyze` says about a clip's timestamps and keyframes: joined MPEG-TS recordings
/// (timestamps jump at the join), a video stream with no pictures, keyframes too far apart
/// for the rules.
final class TimestampCommandTests: XCTestCase {
    var dir: URL!
    var model: String!

    override func setUpWithError() throws {
        dir = try temporaryFolder(self)
        model = try Fixtures.colourProbeModel(in: dir)
    }

    private func summary(_ r: CLI.Result) throws -> [String: Any] {
        try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]])?.first, r.stdout)
    }

    /// Two 60 s recordings joined with `cat`, the second's clock far behind the first's (the
    /// container says the clip lasts ~95 000 s): one 120 s clip, one warning naming it and the
    /// place of the jump, the garbage on screen throughout one incident, dated from the
    /// repaired length. A plain recording gets no warning.
    func testJoinedRecordingsAreOneTimelineWithAWarning() throws {
        let first = dir.appendingPathComponent("first.ts"), second = dir.appendingPathComponent("second.ts")
        let garbage = Fixtures.Patch(color: "red", x: 140, y: 110, size: 40, ranges: [(0, 60)])
        try Fixtures.clip(first, seconds: 60, patches: [garbage], extra: ["-output_ts_offset", "100"])
        try Fixtures.clip(second, seconds: 60, patches: [garbage])
        let joined = dir.appendingPathComponent("joined.ts")
        FileManager.default.createFile(atPath: joined.path, contents: nil)
        let cat = Process()
        cat.executableURL = URL(fileURLWithPath: "/bin/cat")
        cat.arguments = [first.path, second.path]
        cat.standardOutput = try FileHandle(forWritingTo: joined)
        try cat.run()
        cat.waitUntilExit()
        let written = Date(timeIntervalSince1970: 1_780_000_000)
        try FileManager.default.setAttributes([.modificationDate: written], ofItemAtPath: joined.path)
        let db = dir.appendingPathComponent("j.sqlite").path
        let config = dir.appendingPathComponent("garbage.yaml")
        try "defaults:\n  classes:\n    garbage: {dwell: 30, clear: 20}\n".write(to: config, atomically: true, encoding: .utf8)
        let r = try CLI.run(["analyze", joined.path, "--db", db, "--model", model, "--config", config.path, "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let s = try summary(r)
        XCTAssertEqual(s["media_seconds"] as? Double ?? 0, 120, accuracy: 0.5)
        XCTAssertEqual(s["samples"] as? Int, 60)
        XCTAssertEqual(s["occurrences"] as? Int, 1, "one incident across the join: \(r.stdout)")
        let warnings = r.stderr.split(separator: "\n").filter { $0.hasPrefix("warning: ") }
        XCTAssertEqual(warnings.count, 1, r.stderr)
        XCTAssertTrue(warnings.first?.hasPrefix("warning: \(joined.path): timestamps jump ahead ") ?? false, r.stderr)
        XCTAssertTrue(warnings.first?.contains(" at 60.00 s ") ?? false, r.stderr)
        XCTAssertEqual(s["warnings"] as? [String], [String(warnings[0].dropFirst("warning: ".count))])
        let events = try CaseStore(path: db).events()
        XCTAssertEqual(events.count, 1)
        // The clip ends when the file was written: it began 120 s before, not a day before.
        let began = written.addingTimeInterval(-120)
        XCTAssertEqual(events[0].firstSeen.date.timeIntervalSince(began), 0, accuracy: 3, "\(events[0].firstSeen)")
        let plain = try CLI.run(["analyze", first.path, "--db", dir.appendingPathComponent("p.sqlite").path, "--model", model,
                                 "--config", config.path])
        XCTAssertEqual(plain.status, 0, plain.stderr)
        XCTAssertEqual(plain.stderr, "", "no warning for a plain recording")
    }

    /// A clip whose video stream holds no pictures: one error line saying so, non-zero exit.
    func testVideoStreamWithNoPicturesIsOneError() throws {
        let empty = dir.appendingPathComponent("empty.mp4")
        try ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-t", "2", "-frames:v", "0", "-c:v", "libx264",
                    "-movflags", "+frag_keyframe+empty_moov", empty.path])
        let r = try CLI.run(["analyze", empty.path, "--db", dir.appendingPathComponent("e.sqlite").path, "--model", model])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stderr, "error: empty video in \(empty.path): the video stream holds no pictures\n")
    }

    /// Keyframes 20 s apart (`-g 500` at 25 fps) under keyframe sampling: one warning that
    /// suggests `sampling: {fps: N}`. The usual 2 s GOP, or the same clip sampled at 1 fps, none.
    func testKeyframesFarApartAreWarnedOnce() throws {
        let long = dir.appendingPathComponent("long-gop.mp4"), usual = dir.appendingPathComponent("usual-gop.mp4")
        try ffmpeg(["-f", "lavfi", "-i", "color=c=gray:size=320x180:rate=25", "-t", "60", "-c:v", "libx264", "-preset", "ultrafast",
                    "-g", "500", "-keyint_min", "500", "-sc_threshold", "0", "-pix_fmt", "yuv420p", long.path])
        try Fixtures.clip(usual, seconds: 60, rate: 25, patches: [])
        let db = dir.appendingPathComponent("g.sqlite").path
        let r = try CLI.run(["analyze", long.path, usual.path, "--db", db, "--model", model])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stderr, "warning: \(long.path): keyframes up to 20.0 s apart; keyframe sampling then judges dwell "
                       + "(shortest 60 s) and clear (60 s) times on too few samples; set sampling: {fps: 1} in the config (docs/config.md)\n")
        let fps = dir.appendingPathComponent("fps.yaml")
        try "defaults:\n  sampling: {fps: 1}\n".write(to: fps, atomically: true, encoding: .utf8)
        let again = try CLI.run(["analyze", long.path, "--db", db, "--model", model, "--config", fps.path, "--force"])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(again.stderr, "")
    }
}
