import CaseStore
import Foundation
import Geo
import Rules
import XCTest
@testable import Pipeline

/// A drive the tests make: a 200 m × 120 m block driven clockwise at 8 m/s, one fix a second.
struct PatrolDrive {
    static let origin = Coordinate(latitude: 22.543100, longitude: 114.057900)
    let start: Double
    let laps: Int
    var points: [TrackPoint] = []

    init(laps: Int, start: Double = DateTimeParser.parse("2026-11-29T08:00:00Z")!) {
        self.start = start
        self.laps = laps
        var pos = PatrolDrive.origin
        var t = start
        points.append(TrackPoint(time: t, coordinate: pos, heading: 90, speed: 8))
        for _ in 0..<laps {
            for (heading, metres) in [(90.0, 200.0), (180, 120), (270, 200), (0, 120)] {
                var left = metres
                while left > 1e-9 {
                    let step = min(left, 8)
                    pos = Earth.destination(from: pos, distance: step, bearing: heading)
                    t += step / 8
                    left -= step
                    points.append(TrackPoint(time: t, coordinate: pos, heading: heading, speed: 8))
                }
            }
        }
    }

    var duration: Double { points.last!.time - start }
    static let lapSeconds = 80.0

    /// 8 m to the right of the kerb, `metres` along the leg leaving `corner` on `bearing`.
    static func kerb(_ metres: Double, leg bearing: Double, from corner: Coordinate) -> Coordinate {
        Earth.destination(from: Earth.destination(from: corner, distance: metres, bearing: bearing), distance: 8,
                          bearing: Angle.normalized(bearing + 90))
    }
    static let garbagePlace = kerb(100, leg: 90, from: origin)
    static let vendingPlace: Coordinate = {
        let se = Earth.destination(from: Earth.destination(from: origin, distance: 200, bearing: 90), distance: 120, bearing: 180)
        return kerb(100, leg: 270, from: se)
    }()
}

struct Violation { var className: String; var place: Coordinate; var laps: Set<Int> }

final class PatrolRecorderTests: XCTestCase {
    let mount = CameraMount(height: 2, pitch: 10, headingOffset: 0, horizontalFOV: 90)

    func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("sw-patrol-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    func observations(at t: Double, track: GPSTrack, drive: PatrolDrive, violations: [Violation]) -> [Observation] {
        detections(at: t, track: track, drive: drive, violations: violations, mount: mount)
    }

    /// Runs one clip of `drive` through a PatrolRecorder: samples every 0.5 s of clip time,
    /// the clip starting `clipLead` seconds before the track.
    @discardableResult
    func analyze(store: CaseStore, root: URL, drive: PatrolDrive, track: GPSTrack, violations: [Violation],
                 sourceKey: String, clipLead: Double = 2) throws -> PatrolRecorder {
        var cam = CameraConfig(id: "car-1", url: "patrol.mp4")
        cam.rules = CameraRules()
        let moving = MovingCameraConfig(mount: mount)
        let sourceID = try store.upsertSource(SourceInfo(key: sourceKey, kind: .file, uri: "/clips/\(sourceKey).mp4", cameraID: cam.id))
        let runID = try store.beginRun(sourceID: sourceID, model: "test", configDigest: nil)
        let recorder = PatrolRecorder(store: store, writer: EvidenceWriter(root: root), config: StreetWardenConfig(cameras: [cam]),
                                      camera: cam, moving: moving, positions: FixedTrack(track), sourceID: sourceID, runID: runID,
                                      sourceKey: sourceKey, evidenceSub: "car-1", encode: ppm)
        try recorder.seedOpenCases(along: track)
        let clipStart = drive.start - clipLead
        var pts = 0.0
        while pts <= drive.duration + clipLead {
            let wall = Date(timeIntervalSince1970: clipStart + pts)
            let obs = observations(at: clipStart + pts, track: track, drive: drive, violations: violations)
            try recorder.process(Sample(time: pts, wallClock: wall, observations: obs)) {
                RGBCanvas(width: 64, height: 36, pixels: [UInt8](repeating: UInt8(Int(pts) % 251), count: 64 * 36 * 3))
            }
            pts += 0.5
        }
        try recorder.finish()
        try store.finishRun(id: runID, status: "complete", frames: 0, samples: 0, mediaSeconds: pts)
        return recorder
    }

    func testTwoPlacesTwoLapsThenASecondDay() throws {
        let dir = try folder()
        let store = try CaseStore(path: dir.appendingPathComponent("db.sqlite").path)
        let drive = PatrolDrive(laps: 2)
        let gpx = dir.appendingPathComponent("drive.gpx").path
        try TrackWriter.gpx(drive.points).write(toFile: gpx, atomically: true, encoding: .utf8)
        let track = try XCTUnwrap(TrackLoader.track(forClip: dir.appendingPathComponent("patrol.mp4").path, explicit: gpx,
                                                    offset: 0, moving: nil, timeZone: TimeZone(identifier: "UTC")!))
        let violations = [Violation(className: "garbage", place: PatrolDrive.garbagePlace, laps: [0, 1]),
                          Violation(className: "street_vending", place: PatrolDrive.vendingPlace, laps: [0])]
        let r = try analyze(store: store, root: dir, drive: drive, track: track, violations: violations, sourceKey: "sha256:day1")
        XCTAssertEqual(r.stored, 3, "garbage on both laps, vending on the first")
        XCTAssertEqual(r.newCases, 2)
        XCTAssertEqual(r.cleared, 1)
        XCTAssertEqual(r.unpositioned.beforeTrack, 4, "the 2 s of clip before the track starts")
        XCTAssertEqual(r.unpositioned.summary, "4 sample(s) had no GPS fix (4 before the track); their detections were not placed")
        XCTAssertGreaterThan(r.projected, 0)

        let cases = try store.cases()
        XCTAssertEqual(cases.map(\.category), ["garbage", "street_vending"])
        let garbage = cases[0], vending = cases[1]
        XCTAssertEqual(garbage.occurrences, 2)
        XCTAssertEqual(vending.occurrences, 1)
        XCTAssertLessThan(Earth.distance(Coordinate(latitude: garbage.latitude!, longitude: garbage.longitude!), PatrolDrive.garbagePlace), 2)
        XCTAssertLessThan(Earth.distance(Coordinate(latitude: vending.latitude!, longitude: vending.longitude!), PatrolDrive.vendingPlace), 2)
        XCTAssertEqual(garbage.heading!, 90, accuracy: 1)
        XCTAssertEqual(vending.heading!, 270, accuracy: 1)
        XCTAssertEqual(garbage.code, "0102")
        XCTAssertNil(try store.patrolInfo(caseID: garbage.id)?.clearedAt)
        XCTAssertNotNil(try store.patrolInfo(caseID: vending.id)?.clearedAt, "passed again without the stall")
        XCTAssertEqual(try store.patrolInfo(caseID: garbage.id)?.trackSource, "gpx:\(gpx)")
        for e in try store.events() {
            XCTAssertEqual(e.evidence.map(\.kind.rawValue).sorted(), ["crop", "first_seen", "frame"])
            for f in e.evidence { XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent(f.path).path)) }
            XCTAssertEqual(try store.patrolInfo(eventKey: e.key)?.positionMethod, .projected)
            XCTAssertLessThan(e.firstSeen.pts, e.violation.pts)
        }
        let drives = try store.drives()
        XCTAssertEqual(drives.count, 1)
        XCTAssertEqual(drives[0].lengthMetres, 1280, accuracy: 1)

        // Re-running the same clip stores nothing new.
        let again = try analyze(store: store, root: dir, drive: drive, track: track, violations: violations, sourceKey: "sha256:day1")
        XCTAssertEqual(again.stored, 0)
        XCTAssertEqual(again.skipped, 3)
        XCTAssertEqual(try store.events().count, 3)
        XCTAssertEqual(try store.cases().map(\.occurrences), [2, 1])
        XCTAssertEqual(try store.check(), [])

        // The next day: a one-lap drive, garbage still there, NMEA track this time.
        let day2 = PatrolDrive(laps: 1, start: drive.start + 86_400)
        let nmea = dir.appendingPathComponent("day2.nmea").path
        try TrackWriter.nmea(day2.points).write(toFile: nmea, atomically: true, encoding: .utf8)
        let track2 = try TrackReader.read(path: nmea)
        let r2 = try analyze(store: store, root: dir, drive: day2, track: track2,
                             violations: [Violation(className: "garbage", place: PatrolDrive.garbagePlace, laps: [0])],
                             sourceKey: "sha256:day2")
        XCTAssertEqual(r2.stored, 1)
        XCTAssertEqual(r2.newCases, 0, "links to yesterday's open case")
        XCTAssertEqual(try store.cases().map(\.occurrences), [3, 1])
        XCTAssertEqual(try store.drives().count, 2)
    }

    func testClipTimeSubtitleTrackAndGeoJSONExport() throws {
        let dir = try folder()
        let store = try CaseStore(path: dir.appendingPathComponent("db.sqlite").path)
        let drive = PatrolDrive(laps: 1)
        let clip = dir.appendingPathComponent("DJI_0001.MP4").path
        let relative = drive.points.map { p -> TrackPoint in var q = p; q.time -= drive.start - 2; return q }  // clip starts 2 s early
        try TrackWriter.srt(relative, style: .dji).write(toFile: dir.appendingPathComponent("DJI_0001.srt").path, atomically: true, encoding: .utf8)
        let track = try XCTUnwrap(TrackLoader.track(forClip: clip, explicit: nil, offset: nil, moving: MovingCameraConfig(mount: mount, gps: "subtitles"),
                                                    timeZone: TimeZone(identifier: "Asia/Shanghai")!))
        XCTAssertEqual(track.timeReference, .clipTime)
        // The recorder looks clip-time tracks up by pts; give it the same drive in wall-clock terms for the detections.
        let wallTrack = GPSTrack(points: drive.points, timeReference: .wallClock, source: TrackSource(format: .gpx, name: "truth"))
        var cam = CameraConfig(id: "car-2", url: "DJI_0001.MP4")
        cam.rules = CameraRules()
        let sourceID = try store.upsertSource(SourceInfo(key: "sha256:dji", kind: .file, uri: clip, cameraID: cam.id))
        let runID = try store.beginRun(sourceID: sourceID, model: "test", configDigest: nil)
        let rec = PatrolRecorder(store: store, writer: EvidenceWriter(root: dir), config: StreetWardenConfig(cameras: [cam]), camera: cam,
                                 moving: MovingCameraConfig(mount: mount), positions: FixedTrack(track), sourceID: sourceID,
                                 runID: runID, sourceKey: "sha256:dji", evidenceSub: "car-2", encode: ppm)
        var pts = 0.0
        while pts <= drive.duration + 2 {
            let t = drive.start - 2 + pts
            let obs = observations(at: t, track: wallTrack, drive: drive,
                                   violations: [Violation(className: "illegal_ad", place: PatrolDrive.garbagePlace, laps: [0])])
            try rec.process(Sample(time: pts, wallClock: Date(timeIntervalSince1970: t + 3600), observations: obs)) {
                RGBCanvas(width: 32, height: 18, pixels: [UInt8](repeating: 9, count: 32 * 18 * 3))
            }
            pts += 0.5
        }
        try rec.finish()
        XCTAssertEqual(rec.stored, 1)
        XCTAssertEqual(rec.unpositioned.beforeTrack, 4, "telemetry starts 2 s into the clip")
        let c = try XCTUnwrap(try store.cases().first)
        XCTAssertLessThan(Earth.distance(Coordinate(latitude: c.latitude!, longitude: c.longitude!), PatrolDrive.garbagePlace), 2)
        XCTAssertEqual(try store.patrolInfo(caseID: c.id)?.trackSource, "srt:\(dir.appendingPathComponent("DJI_0001.srt").path)")

        let json = try PatrolExports.geoJSON(store: store)
        let root = try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [String: Any]
        let features = root["features"] as! [[String: Any]]
        let kinds = features.map { ($0["properties"] as! [String: Any])["kind"] as! String }
        XCTAssertEqual(kinds, ["drive", "case"])
        let point = features[1]["geometry"] as! [String: Any]
        let coords = point["coordinates"] as! [Double]
        XCTAssertEqual(coords[0], c.longitude!, accuracy: 1e-6)
        XCTAssertEqual(coords[1], c.latitude!, accuracy: 1e-6)
        let props = features[1]["properties"] as! [String: Any]
        XCTAssertEqual(props["category"] as? String, "illegal_ad")
        XCTAssertEqual(props["code"] as? String, "0201")
        XCTAssertEqual((props["evidence"] as! [Any]).count, 3)

        let maps = try PatrolExports.routeMaps(store: store)
        XCTAssertEqual(maps.count, 1)
        XCTAssertEqual(maps[0].cases.map(\.id), [c.id])
        XCTAssertTrue(maps[0].svg.contains("#\(c.id) illegal_ad"))
    }

    func testTrackLoaderErrors() throws {
        let dir = try folder()
        let clip = dir.appendingPathComponent("car.mp4").path
        XCTAssertNil(try TrackLoader.track(forClip: clip, explicit: nil, offset: nil, moving: nil, timeZone: .current))
        XCTAssertThrowsError(try TrackLoader.track(forClip: clip, explicit: nil, offset: nil, moving: MovingCameraConfig(), timeZone: .current)) {
            XCTAssertTrue("\($0)".contains("moving camera without a track"), "\($0)")
        }
        XCTAssertThrowsError(try TrackLoader.track(forClip: clip, explicit: dir.appendingPathComponent("none.gpx").path, offset: nil,
                                                   moving: nil, timeZone: .current)) {
            XCTAssertTrue("\($0)".hasSuffix("none.gpx: no such file"), "\($0)")
        }
        XCTAssertThrowsError(try TrackLoader.track(forClip: clip, explicit: nil, offset: nil,
                                                   moving: MovingCameraConfig(gps: "udp://127.0.0.1:10110"), timeZone: .current)) {
            XCTAssertTrue("\($0)".contains("live feed"), "\($0)")
        }
    }
}

/// Binary PPM: a real image file of the canvas, standing in for JPEG until VideoIO's encoder is linked here.
func ppm(_ c: RGBCanvas) throws -> [UInt8] {
    Array("P6\n\(c.width) \(c.height)\n255\n".utf8) + c.pixels
}

/// Observations a detector would report for `violations` at track time `t`: a box whose
/// bottom-centre is where the camera model puts each visible place.
func detections(at t: Double, track: GPSTrack, drive: PatrolDrive, violations: [Violation], mount: CameraMount) -> [Observation] {
    guard let s = track.lookup(t).sample, let heading = s.heading else { return [] }
    let lap = Int((t - drive.start) / PatrolDrive.lapSeconds)
    var out: [Observation] = []
    for v in violations where v.laps.contains(lap) && mount.sees(v.place, from: s.coordinate, heading: heading) {
        let (e, n) = LocalFrame(origin: s.coordinate).project(v.place)
        let ψ = heading * .pi / 180
        guard let (x, y) = mount.imagePoint(forward: n * cos(ψ) + e * sin(ψ), right: e * cos(ψ) - n * sin(ψ)) else { continue }
        out.append(Observation(className: v.className, score: 0.9,
                               box: NormalizedBox(x1: max(0, x - 0.05), y1: max(0, y - 0.15), x2: min(1, x + 0.05), y2: y)))
    }
    return out
}
