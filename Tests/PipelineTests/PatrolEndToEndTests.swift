import CaseStore
import Foundation
import Geo
import Rules
import VideoIO
import XCTest
@testable import Pipeline

/// A patrol drive the test makes end to end: an H.264 clip made by the ffmpeg CLI covering two
/// laps of a block, with the same violation at two places and the first one revisited; its
/// track as GPX, as NMEA and as SRT telemetry inside the clip (a mov_text subtitle stream);
/// frames decoded in-process, JPEG evidence, a real SQLite file. The detector's output is the
/// one input made up: for each decoded frame, a box where the camera model puts each place
/// that is in view (the detector has its own tests).
final class PatrolEndToEndTests: XCTestCase {
    var dir: URL!
    let mount = CameraMount(height: 2, pitch: 10, headingOffset: 0, horizontalFOV: 90)
    let drive = PatrolDrive(laps: 2)
    let lead = 2.0  // the clip starts 2 s before the track

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("sw-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func ffmpeg(_ args: [String]) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/ffmpeg")
        p.arguments = ["-v", "error", "-y"] + args
        try p.run()
        // A runaway encode (an unbounded input) must not outlive the test.
        DispatchQueue.global().asyncAfter(deadline: .now() + 120) { if p.isRunning { p.terminate() } }
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, "ffmpeg \(args.joined(separator: " "))")
    }

    /// The clip (5 fps, a keyframe a second), with the telemetry as a subtitle stream.
    func makeClip() throws -> String {
        let relative = drive.points.map { p -> TrackPoint in var q = p; q.time -= drive.start - lead; return q }
        let srt = dir.appendingPathComponent("telemetry.srt").path
        try TrackWriter.srt(relative, style: .dashcam, clipStart: drive.start - lead, localUTCOffset: 8 * 3600)
            .write(toFile: srt, atomically: true, encoding: .utf8)
        let clip = dir.appendingPathComponent("patrol.mp4").path
        try ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x180:rate=5", "-i", srt, "-t", String(drive.duration + lead + 1),
                    "-c:v", "libx264", "-preset", "ultrafast", "-g", "5", "-pix_fmt", "yuv420p", "-c:s", "mov_text", clip])
        return clip
    }

    func analyze(clip: String, track: GPSTrack, store: CaseStore, key: String) throws -> PatrolRecorder {
        var options = VideoSourceOptions()
        options.start = Date(timeIntervalSince1970: drive.start - lead)
        let source = try VideoSource(url: clip, options: options, policy: .keyframes)
        var cam = CameraConfig(id: "car-1", url: "patrol.mp4")
        cam.moving = MovingCameraConfig(mount: mount)
        let sourceID = try store.upsertSource(SourceInfo(key: key, kind: .file, uri: clip, cameraID: cam.id))
        let runID = try store.beginRun(sourceID: sourceID, model: "e2e", configDigest: nil)
        let rec = PatrolRecorder(store: store, writer: EvidenceWriter(root: store.folder!), config: StreetWardenConfig(cameras: [cam]),
                                 camera: cam, moving: cam.moving!, positions: FixedTrack(track), sourceID: sourceID, runID: runID,
                                 sourceKey: key, evidenceSub: cam.id, encode: { try JPEGEncoder.encode($0.rgbImage, quality: 80) })
        try rec.seedOpenCases(along: track)
        let truth = GPSTrack(points: drive.points, timeReference: .wallClock, source: TrackSource(format: .gpx, name: "truth"))
        let violations = [Violation(className: "garbage", place: PatrolDrive.garbagePlace, laps: [0, 1]),
                          Violation(className: "garbage", place: PatrolDrive.vendingPlace, laps: [0])]
        while let frame = try source.nextFrame() {
            let obs = detections(at: frame.wallClock.timeIntervalSince1970, track: truth, drive: drive, violations: violations, mount: mount)
            try rec.process(Sample(time: frame.pts, wallClock: frame.wallClock, observations: obs)) { RGBCanvas(frame.rgbImage()) }
        }
        try rec.finish()
        return rec
    }

    func check(_ store: CaseStore, _ rec: PatrolRecorder, trackSource: String, file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(rec.stored, 3, trackSource, file: file, line: line)
        XCTAssertEqual(rec.cleared, 1, trackSource, file: file, line: line)
        let cases = try store.cases()
        XCTAssertEqual(cases.map(\.occurrences), [2, 1], trackSource, file: file, line: line)
        for (c, truth) in zip(cases, [PatrolDrive.garbagePlace, PatrolDrive.vendingPlace]) {
            XCTAssertLessThan(Earth.distance(Coordinate(latitude: c.latitude!, longitude: c.longitude!), truth), 2.5, trackSource, file: file, line: line)
            XCTAssertEqual(try store.patrolInfo(caseID: c.id)?.trackSource, trackSource, file: file, line: line)
            for e in c.evidence {
                let data = try Data(contentsOf: store.folder!.appendingPathComponent(e.path))
                XCTAssertEqual(Array(data.prefix(2)), [0xFF, 0xD8], "JPEG evidence", file: file, line: line)
                XCTAssertEqual(SHA256.hex([UInt8](data)), e.sha256, file: file, line: line)
            }
        }
        XCTAssertNotNil(try store.patrolInfo(caseID: cases[1].id)?.clearedAt, file: file, line: line)
        XCTAssertEqual(try store.drives().count, 1, file: file, line: line)
        XCTAssertEqual(try store.check(), [], file: file, line: line)
    }

    func testGPXNMEACSVAndEmbeddedSubtitlesGiveTheSameCases() throws {
        let clip = try makeClip()
        let gpx = dir.appendingPathComponent("drive.gpx").path
        try TrackWriter.gpx(drive.points).write(toFile: gpx, atomically: true, encoding: .utf8)
        let nmea = dir.appendingPathComponent("drive.nmea").path
        try TrackWriter.nmea(drive.points).write(toFile: nmea, atomically: true, encoding: .utf8)
        let csv = dir.appendingPathComponent("drive.csv").path
        try TrackWriter.csv(drive.points).write(toFile: csv, atomically: true, encoding: .utf8)
        let sources: [(String, GPSTrack)] = [
            ("csv:\(csv)", try TrackLoader.track(forClip: clip, explicit: csv, offset: nil, moving: nil, timeZone: .current)!),
            ("gpx:\(gpx)", try TrackLoader.track(forClip: clip, explicit: gpx, offset: nil, moving: nil, timeZone: .current)!),
            ("nmea:\(nmea)", try TrackLoader.track(forClip: clip, explicit: nmea, offset: nil, moving: nil, timeZone: .current)!),
            ("srt-stream:\(clip)#subtitles", try TrackLoader.track(forClip: clip, explicit: nil, offset: nil,
                                                                   moving: MovingCameraConfig(mount: mount, gps: "subtitles"),
                                                                   timeZone: TimeZone(identifier: "Asia/Shanghai")!)!),
        ]
        for (i, (name, track)) in sources.enumerated() {
            XCTAssertEqual(track.points.count, drive.points.count, name)
            let store = try CaseStore(path: dir.appendingPathComponent("db\(i).sqlite").path)
            let rec = try analyze(clip: clip, track: track, store: store, key: "sha256:e2e\(i)")
            XCTAssertEqual(rec.unpositioned.beforeTrack, 2, "\(name): keyframes at 0 s and 1 s precede the track")
            try check(store, rec, trackSource: name)
        }
    }

    func testClockSkewIsCorrectedByTheOffset() throws {
        let clip = try makeClip()
        // The GPS logger's clock runs 3 s behind: its times are 3 s early.
        let skewed = drive.points.map { p -> TrackPoint in var q = p; q.time -= 3; return q }
        let gpx = dir.appendingPathComponent("skewed.gpx").path
        try TrackWriter.gpx(skewed).write(toFile: gpx, atomically: true, encoding: .utf8)
        let track = try TrackLoader.track(forClip: clip, explicit: gpx, offset: 3, moving: nil, timeZone: .current)!
        XCTAssertEqual(track.source.description, "gpx:\(gpx)@+3s")
        let store = try CaseStore(path: dir.appendingPathComponent("skew.sqlite").path)
        try check(store, try analyze(clip: clip, track: track, store: store, key: "sha256:skew"), trackSource: "gpx:\(gpx)@+3s")
    }
}
