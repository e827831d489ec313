import CaseStore
import Foundation
import XCTest

/// The patrol side of the commands: bad tracks, GeoJSON export, the report's route view, and
/// (when the default model is present) `analyze --gps` on a generated clip.
final class PatrolCommandTests: XCTestCase {
    func write(_ text: String, _ url: URL) throws { try text.write(to: url, atomically: true, encoding: .utf8) }

    func ffmpegClip(_ path: String, seconds: Int) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/ffmpeg")
        p.arguments = ["-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=5", "-t", String(seconds),
                       "-c:v", "libx264", "-preset", "ultrafast", "-g", "5", "-pix_fmt", "yuv420p", path]
        try p.run()
        DispatchQueue.global().asyncAfter(deadline: .now() + 120) { if p.isRunning { p.terminate() } }
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)
    }

    /// NMEA sentences for a straight 80 m drive east from 08:00:00 UTC, 1 Hz.
    func nmea(corrupt: Bool = false) -> String {
        var s = ""
        for i in 0...10 {
            let minutes = 3.4740 + Double(i) * 0.0026  // ~4.5 m per second at 22.5° N
            let body = String(format: "GPRMC,0800%02d.00,A,2232.5860,N,114%07.4f,E,15.55,90.0,291126,,,A", i, minutes)
            var sum: UInt8 = 0
            for b in body.utf8 { sum ^= b }
            s += "$\(body)*\(String(format: "%02X", corrupt ? sum ^ 0x55 : sum))\r\n"
        }
        return s
    }

    func testBadTracksAreOneLineErrorsNamingTheTrack() throws {
        let dir = try temporaryFolder(self)
        let clip = dir.appendingPathComponent("car.mp4").path
        try ffmpegClip(clip, seconds: 1)
        let bad = dir.appendingPathComponent("bad.nmea")
        try write(nmea(corrupt: true), bad)
        let r = try CLI.run(["analyze", clip, "--gps", bad.path, "--db", dir.appendingPathComponent("db.sqlite").path])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.hasPrefix("error: --gps \(bad.path): 0 usable fix(es)"), r.stderr)
        XCTAssertTrue(r.stderr.contains("checksum mismatch"), r.stderr)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)

        let missing = try CLI.run(["analyze", clip, "--gps", dir.appendingPathComponent("none.gpx").path])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("none.gpx: no such file"), missing.stderr)

        let noTrack = try CLI.run(["analyze", clip, "--gps-offset", "2"])
        XCTAssertNotEqual(noTrack.status, 0)
        XCTAssertTrue(noTrack.stderr.contains("--gps-offset needs a track"), noTrack.stderr)

        let garbage = dir.appendingPathComponent("track.gpx")
        try write("<gpx><trk><trkseg><trkpt lat=\"1\" lon=\"2\"><time>2026", garbage)
        let g = try CLI.run(["analyze", clip, "--gps", garbage.path])
        XCTAssertNotEqual(g.status, 0)
        XCTAssertTrue(g.stderr.contains("track.gpx: line"), g.stderr)
    }

    /// A store with two geotagged cases and a drive, written through the store.
    func patrolStore() throws -> (URL, String) {
        let dir = try temporaryFolder(self)
        let db = dir.appendingPathComponent("patrol.sqlite").path
        let store = try CaseStore(path: db)
        let s = try store.upsertSource(SourceInfo(key: "sha256:drive", kind: .file, uri: "/clips/drive.mp4", cameraID: "car-1"))
        let r = try store.beginRun(sourceID: s, model: "test", configDigest: nil)
        let t0 = Date(timeIntervalSince1970: 1_795_939_200)
        for (key, cat, lat, lon) in [("g", "garbage", 22.54301, 114.05887), ("v", "street_vending", 22.54210, 114.05890)] {
            try store.record(NewEvent(key: key, runID: r, sourceID: s, category: cat, code: CategoryCode.defaults[cat]!, zoneID: "frame",
                                      score: 0.9, box: StoredBox(x1: 0.4, y1: 0.5, x2: 0.5, y2: 0.7),
                                      firstSeen: .init(pts: 10, date: t0.addingTimeInterval(10)),
                                      violation: .init(pts: 11, date: t0.addingTimeInterval(11)),
                                      lastSeen: .init(pts: 12, date: t0.addingTimeInterval(12)),
                                      site: "patrol:car-1", latitude: lat, longitude: lon, heading: 90, evidence: []))
            try store.setPosition(eventKey: key, trackSource: "gpx:drive.gpx", method: .projected)
        }
        let route = [(22.5431, 114.0579), (22.5431, 114.0598), (22.5420, 114.0598), (22.5420, 114.0579)]
        try store.saveDrive(sourceID: s, runID: r, trackSource: "gpx:drive.gpx",
                            pieces: [route.enumerated().map { DrivePoint(latitude: $1.0, longitude: $1.1, time: Double($0) * 30) }],
                            startedAt: t0, endedAt: t0.addingTimeInterval(90), lengthMetres: 500)
        return (dir, db)
    }

    func testGeoJSONExport() throws {
        let (dir, db) = try patrolStore()
        let r = try CLI.run(["cases", "export", "--db", db, "--format", "geojson"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let root = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(root["type"] as? String, "FeatureCollection")
        let features = root["features"] as! [[String: Any]]
        let types = features.map { ($0["geometry"] as! [String: Any])["type"] as! String }
        XCTAssertEqual(types, ["LineString", "Point", "Point"])
        let props = features[1]["properties"] as! [String: Any]
        XCTAssertEqual(props["category"] as? String, "garbage")
        XCTAssertEqual(props["track_source"] as? String, "gpx:drive.gpx")
        XCTAssertEqual((features[1]["geometry"] as! [String: Any])["coordinates"] as! [Double], [114.05887, 22.54301])
        let out = dir.appendingPathComponent("cases.geojson").path
        XCTAssertEqual(try CLI.run(["cases", "export", "--db", db, "--format", "geojson", "--out", out]).status, 0)
        XCTAssertTrue(FileManager.default.fileExists(atPath: out))
        let list = try CLI.run(["cases", "list", "--db", db, "--format", "geojson"])
        XCTAssertEqual(list.status, 0)
        XCTAssertTrue(list.stdout.contains("\"Point\""))
    }

    func testReportDrawsTheRoute() throws {
        let (dir, db) = try patrolStore()
        let out = dir.appendingPathComponent("report")
        let r = try CLI.run(["report", "--db", db, "--out", out.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        let html = try String(contentsOf: out.appendingPathComponent("index.html"), encoding: .utf8)
        XCTAssertTrue(html.contains("<h2>Routes</h2>"))
        XCTAssertTrue(html.contains("data-cases=\"2\""), "both cases lie on the route")
        XCTAssertTrue(html.contains("<polyline"))
        XCTAssertTrue(html.contains("#1 garbage") && html.contains("#2 street_vending"))
    }

    /// With the default model present: a clip and its NMEA track through `analyze --gps`.
    /// The default model (or a skip without it), and in a new folder: a clip of `seconds`, its
    /// NMEA track (08:00:00–08:00:10 UTC) and where the store goes.
    func drive(seconds: Int) throws -> (model: String, dir: URL, clip: String, track: URL, db: String) {
        let model = CLI.repoRoot.appendingPathComponent("models/streetwarden-v1.json").path
        guard FileManager.default.fileExists(atPath: model) else { throw XCTSkip("no default model at \(model)") }
        let dir = try temporaryFolder(self)
        let clip = dir.appendingPathComponent("drive.mp4").path
        try ffmpegClip(clip, seconds: seconds)
        let track = dir.appendingPathComponent("drive.nmea")
        try write(nmea(), track)
        return (model, dir, clip, track, dir.appendingPathComponent("db.sqlite").path)
    }

    func testAnalyzeWithATrack() throws {
        let (model, _, clip, track, db) = try drive(seconds: 12)
        let r = try CLI.run(["analyze", clip, "--gps", track.path, "--gps-offset", "0", "--start", "2026-11-29T08:00:00Z",
                             "--db", db, "--model", model, "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let summary = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [[String: Any]]
        let gps = try XCTUnwrap(summary[0]["gps"] as? [String: Any])
        XCTAssertEqual(gps["fixes"] as? Int, 11)
        XCTAssertEqual(gps["track_source"] as? String, "nmea:\(track.path)")
        XCTAssertEqual(gps["samples_after_track"] as? Int, 1, "the keyframe at 11 s lies after the last fix at 10 s")
        let export = try CLI.run(["cases", "export", "--db", db, "--format", "geojson"])
        XCTAssertTrue(export.stdout.contains("\"LineString\""), "the drive is stored")
    }

    /// A track that covers none of the clip (here: the clip said to start an hour after the
    /// drive) fails the clip with one line naming the track, instead of a "complete" run that
    /// placed nothing and that a corrected rerun would skip. A copy of a stored clip at another
    /// path whose analysis fails leaves the stored source naming the copy that was analysed.
    func testTrackThatCoversNoneOfTheClipFailsIt() throws {
        let (model, dir, clip, track, db) = try drive(seconds: 6)
        let ok = try CLI.run(["analyze", clip, "--gps", track.path, "--start", "2026-11-29T08:00:00Z", "--db", db, "--model", model])
        XCTAssertEqual(ok.status, 0, ok.stderr)

        let copy = dir.appendingPathComponent("copy.mp4").path
        try FileManager.default.copyItem(atPath: clip, toPath: copy)
        let late = ["analyze", copy, "--gps", track.path, "--start", "2026-11-29T09:00:00Z", "--db", db, "--model", model]
        let r = try CLI.run(late + ["--force"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("GPS track \(track.path) has no fix for any of the clip's 6 sample(s) "
                                        + "(first: no fix: 3590.0 s after the track ends)"), r.stderr)
        XCTAssertTrue(r.stderr.contains("check the clip's start time (--start) and --gps-offset"), r.stderr)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
        let store = try CaseStore(path: db, mode: .read)
        XCTAssertEqual(try store.sources().map(\.uri), [URL(fileURLWithPath: clip).standardizedFileURL.path])
        XCTAssertEqual(try store.runs().map(\.status), ["complete", "failed"])
        // With the clock skew corrected the copy's analysis completes, and it takes the source over.
        let fixed = try CLI.run(["analyze", copy, "--gps", track.path, "--gps-offset", "3600", "--start", "2026-11-29T09:00:00Z",
                                 "--db", db, "--model", model, "--force", "--json"])
        XCTAssertEqual(fixed.status, 0, fixed.stderr)
        let summary = try JSONSerialization.jsonObject(with: Data(fixed.stdout.utf8)) as! [[String: Any]]
        XCTAssertEqual(summary.first?["status"] as? String, "analyzed")
        XCTAssertEqual(try store.sources().map(\.uri), [URL(fileURLWithPath: copy).standardizedFileURL.path])
    }
}

/// `analyze` of a patrol drive through the real engine: a clip made by the ffmpeg CLI whose
/// frames show a red square (garbage, for the colour-probe model) whenever the car approaches
/// place A on both laps of a block, and a green one (street vending) at place B on the first lap
/// only; the drive's GPX track; the camera configured as moving.
final class PatrolDriveCommandTests: XCTestCase {
    /// 2026-11-29T08:00:00Z, and the block's north-west corner.
    let t0 = 1_795_939_200.0, lat0 = 22.5431, lon0 = 114.0579
    let mPerDegLat = 111_195.08
    var mPerDegLon: Double { mPerDegLat * cos(lat0 * .pi / 180) }

    /// Position at `t` seconds into the drive: a 200 m × 120 m block driven clockwise at 8 m/s.
    func position(_ t: Double) -> (east: Double, north: Double, heading: Double) {
        var d = (t * 8).truncatingRemainder(dividingBy: 640)
        if d < 200 { return (d, 0, 90) }
        d -= 200
        if d < 120 { return (200, -d, 180) }
        d -= 120
        if d < 200 { return (200 - d, -120, 270) }
        d -= 200
        return (0, -120 + d, 0)
    }

    func gpx(seconds: Int) -> String {
        var s = "<?xml version=\"1.0\"?>\n<gpx version=\"1.1\" creator=\"test\"><trk><trkseg>\n"
        let f = ISO8601DateFormatter()
        for i in 0...seconds {
            let p = position(Double(i))
            s += String(format: "<trkpt lat=\"%.7f\" lon=\"%.7f\">", lat0 + p.north / mPerDegLat, lon0 + p.east / mPerDegLon)
            s += "<time>\(f.string(from: Date(timeIntervalSince1970: t0 + Double(i))))</time></trkpt>\n"
        }
        return s + "</trkseg></trk></gpx>\n"
    }

    func testTwoPlacesOnTwoLapsThroughTheDetector() throws {
        let dir = try temporaryFolder(self)
        let model = try Fixtures.colourProbeModel(in: dir)
        // The probe's box for a square on grid cell (14, 3) has its bottom-centre at (0.906, 0.539):
        // with the mount below, about 9 m ahead and 7.5 m right of the car. The squares show while
        // the car drives from 79 m to 99 m along a leg, so the sightings fall around 100 m along
        // it, 8 m to its right.
        let lap = 80.0
        let red = Fixtures.Patch(color: "red", x: 270, y: 50, size: 40, ranges: [(9.9, 12.4), (9.9 + lap, 12.4 + lap)])
        let green = Fixtures.Patch(color: "lime", x: 270, y: 50, size: 40, ranges: [(49.9, 52.4)])
        let clip = dir.appendingPathComponent("drive.mp4")
        try Fixtures.clip(clip, seconds: 161, rate: 5, patches: [red, green])
        let track = dir.appendingPathComponent("drive.gpx")
        try gpx(seconds: 160).write(to: track, atomically: true, encoding: .utf8)
        let cfg = dir.appendingPathComponent("patrol.yaml")
        try """
        cameras:
          - id: car-1
            url: drive.mp4
            moving: true
            sampling: {fps: 4}
            mount: {height_m: 2, pitch_deg: 10, hfov_deg: 90}
            gps: \(track.path)
        """.write(to: cfg, atomically: true, encoding: .utf8)
        let db = dir.appendingPathComponent("db.sqlite").path
        let r = try CLI.run(["analyze", clip.path, "--config", cfg.path, "--db", db, "--model", model,
                             "--start", "2026-11-29T08:00:00Z", "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let summary = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [[String: Any]]
        let gps = try XCTUnwrap(summary[0]["gps"] as? [String: Any], r.stdout)
        XCTAssertEqual(gps["fixes"] as? Int, 161)
        // B is cleared on lap 2; so, for a moment, is A: the car has it in view within the clearing
        // range before the square appears. A's re-sighting then reopens it (cleared_at null below).
        XCTAssertEqual(gps["cleared"] as? Int, 2, r.stdout)

        let list = try CLI.run(["cases", "list", "--db", db, "--format", "json"])
        let cases = try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as! [[String: Any]]
        XCTAssertEqual(cases.map { $0["category"] as? String }, ["garbage", "street_vending"], list.stdout)
        XCTAssertEqual(cases.map { $0["occurrences"] as? Int }, [2, 1], "A seen on both laps, B once")
        // Where the cases are: A ≈ 100 m east of the corner, 8 m south; B ≈ 100 m west along the south leg, 8 m north.
        let expected = [(100.0, -8.0), (100.0, -112.0)]
        for (c, e) in zip(cases, expected) {
            let loc = try XCTUnwrap(c["location"] as? [String: Any])
            let east = ((loc["longitude"] as! Double) - lon0) * mPerDegLon, north = ((loc["latitude"] as! Double) - lat0) * mPerDegLat
            XCTAssertLessThan(hypot(east - e.0, north - e.1), 6, "\(c["category"]!): \(east), \(north)")
        }
        let geo = try CLI.run(["cases", "export", "--db", db, "--format", "geojson"])
        let features = (try JSONSerialization.jsonObject(with: Data(geo.stdout.utf8)) as! [String: Any])["features"] as! [[String: Any]]
        let props = features.compactMap { $0["properties"] as? [String: Any] }.filter { $0["kind"] as? String == "case" }
        XCTAssertEqual(props.map { $0["track_source"] as? String }, ["gpx:\(track.path)", "gpx:\(track.path)"])
        XCTAssertTrue(props[0]["cleared_at"] is NSNull)
        XCTAssertNotNil(props[1]["cleared_at"] as? String, "B passed again without the stall")

        // Re-running changes nothing.
        XCTAssertEqual(try CLI.run(["analyze", clip.path, "--config", cfg.path, "--db", db, "--model", model,
                                    "--start", "2026-11-29T08:00:00Z", "--force"]).status, 0)
        let again = try JSONSerialization.jsonObject(with: Data(try CLI.run(["cases", "list", "--db", db, "--format", "json"]).stdout.utf8)) as! [[String: Any]]
        XCTAssertEqual(again.map { $0["occurrences"] as? Int }, [2, 1])
    }
}
