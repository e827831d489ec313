import CaseStore
import Foundation
import Rules
import VideoIO
import XCTest
@testable import Pipeline

/// The recorder between rules and store, driven by region sequences over time (the rule
/// engine's real input), with real frames decoded by FFmpeg, real JPEG evidence and a real
/// SQLite file.
final class IncidentRecorderTests: XCTestCase {
    var dir: URL!
    var frame: RGBCanvas!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("sw-rec-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let clip = dir.appendingPathComponent("street.mp4").path
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/ffmpeg")
        p.arguments = ["-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=5", "-t", "1", "-pix_fmt", "yuv420p", clip]
        try p.run(); p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)
        let src = try VideoSource(url: clip, policy: .keyframes)
        let f = try XCTUnwrap(try src.nextFrame())
        frame = RGBCanvas(f.rgbImage())
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func recorder(_ store: CaseStore, run: Int64, source: Int64, camera: CameraConfig = CameraConfig(id: "cam-1", url: "street.mp4")) -> IncidentRecorder {
        IncidentRecorder(store: store, writer: EvidenceWriter(root: dir), config: StreetWardenConfig(), camera: camera,
                         sourceID: source, runID: run, sourceKey: "sha256:test", site: "camera:cam-1", evidenceSub: "cam-1",
                         encode: { try JPEGEncoder.encode($0.rgbImage, quality: 85) })
    }

    let box = NormalizedBox(x1: 0.4, y1: 0.6, x2: 0.55, y2: 0.8)
    let t0 = Date(timeIntervalSince1970: 1_767_225_600)

    /// 5 min garbage, 5 min clean, 5 min garbage: one case, two occurrences, each with evidence.
    func feed555(_ rec: IncidentRecorder) throws {
        var t = 0.0
        while t < 900 {
            let obs = (t < 300 || t >= 600) ? [Observation(className: "garbage", score: 0.8, box: box)] : []
            try rec.process(Sample(time: t, wallClock: t0.addingTimeInterval(t), observations: obs)) { [frame] in frame! }
            t += 2
        }
        try rec.finish()
    }

    /// Held first-seen pictures (as `analyze` uses) give the evidence files eager encoding
    /// gives, byte for byte; a track that never lasts its dwell time never asks for a picture;
    /// past `maxHeldPictures` pending tracks are encoded at once.
    func testHeldFirstSeenPicturesGiveTheSameEvidenceAndSkipShortTracks() throws {
        func run(held: Int, folder: String) throws -> (files: [String: String], calls: Int) {
            let root = dir.appendingPathComponent(folder)
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
            let store = try CaseStore(path: root.appendingPathComponent("db.sqlite").path)
            let s = try store.upsertSource(SourceInfo(key: "sha256:test", kind: .file, uri: "street.mp4", cameraID: "cam-1"))
            let r = try store.beginRun(sourceID: s, model: nil, configDigest: nil)
            let rec = IncidentRecorder(store: store, writer: EvidenceWriter(root: root), config: StreetWardenConfig(),
                                       camera: CameraConfig(id: "cam-1", url: "street.mp4"), sourceID: s, runID: r,
                                       sourceKey: "sha256:test", site: "camera:cam-1", evidenceSub: "cam-1",
                                       encode: { try JPEGEncoder.encode($0.rgbImage, quality: 85) })
            rec.maxHeldPictures = held
            var calls = 0
            let passerBy = NormalizedBox(x1: 0.05, y1: 0.1, x2: 0.2, y2: 0.3)
            var t = 0.0
            while t < 200 {
                var obs = [Observation(className: "garbage", score: 0.8, box: box)]
                // A second region for 20 s only: a track that starts and is dropped.
                if t >= 10 && t < 30 { obs.append(Observation(className: "illegal_ad", score: 0.8, box: passerBy)) }
                let picture = frame!
                try rec.process(Sample(time: t, wallClock: t0.addingTimeInterval(t), observations: obs)) {
                    calls += 1
                    return picture
                }
                t += 2
            }
            try rec.finish()
            XCTAssertEqual(rec.stored, 1)
            var files: [String: String] = [:]
            for e in try store.events() { for f in e.evidence { files[f.path] = f.sha256 } }
            return (files, calls)
        }
        let eager = try run(held: 0, folder: "eager")
        let held = try run(held: 8, folder: "held")
        XCTAssertEqual(eager.files.count, 3)
        XCTAssertEqual(held.files, eager.files, "same names, same bytes")
        XCTAssertEqual(eager.calls, 3, "garbage start, ad start, violation")
        XCTAssertEqual(held.calls, 2, "the held garbage picture at its violation, and the violation frame; none for the ad")
        let one = try run(held: 1, folder: "one")
        XCTAssertEqual(one.files, eager.files)
        XCTAssertEqual(one.calls, 3, "the second pending track is encoded at once")
    }

    func testRecurrenceGivesOneCaseTwoOccurrencesWithEvidence() throws {
        let store = try CaseStore(path: dir.appendingPathComponent("db.sqlite").path)
        let s = try store.upsertSource(SourceInfo(key: "sha256:test", kind: .file, uri: "street.mp4", cameraID: "cam-1"))
        let r = try store.beginRun(sourceID: s, model: nil, configDigest: nil)
        let rec = recorder(store, run: r, source: s)
        try feed555(rec)
        XCTAssertEqual(rec.stored, 2)
        XCTAssertEqual(rec.newCases, 1)
        let cases = try store.cases()
        XCTAssertEqual(cases.count, 1)
        XCTAssertEqual(cases[0].occurrences, 2)
        XCTAssertEqual(cases[0].code, "0102")
        XCTAssertEqual(cases[0].firstSeen, t0)
        XCTAssertEqual(cases[0].lastSeen, t0.addingTimeInterval(898))
        let events = try store.events()
        XCTAssertEqual(events.map(\.ended), [true, false], "first cleared; second still present at the end")
        XCTAssertEqual(events.map(\.violation.pts), [120, 720])
        XCTAssertEqual(events[0].lastSeen.pts, 298)
        for e in events {
            XCTAssertEqual(Set(e.evidence.map(\.kind)), [.frame, .crop, .firstSeen])
            for f in e.evidence {
                XCTAssertFalse(f.path.hasPrefix("/"), "relative path")
                let bytes = try Data(contentsOf: dir.appendingPathComponent(f.path))
                XCTAssertEqual(Array(bytes.prefix(3)), [0xFF, 0xD8, 0xFF], "JPEG")
                XCTAssertEqual(SHA256.hex([UInt8](bytes)), f.sha256)
            }
            let crop = try XCTUnwrap(e.evidence.first { $0.kind == .crop })
            XCTAssertLessThan(crop.width, 100)
            XCTAssertEqual(e.evidence.first { $0.kind == .frame }?.width, 320)
        }
        XCTAssertEqual(try store.check(), [])
    }

    func testRerunStoresNothingTwiceAndKeepsFiles() throws {
        let path = dir.appendingPathComponent("db.sqlite").path
        let store = try CaseStore(path: path)
        let s = try store.upsertSource(SourceInfo(key: "sha256:test", kind: .file, uri: "street.mp4", cameraID: "cam-1"))
        try feed555(recorder(store, run: try store.beginRun(sourceID: s, model: nil, configDigest: nil), source: s))
        let files = try FileManager.default.subpathsOfDirectory(atPath: dir.appendingPathComponent("evidence").path).sorted()
        let again = recorder(store, run: try store.beginRun(sourceID: s, model: nil, configDigest: nil), source: s)
        try feed555(again)
        XCTAssertEqual(again.stored, 0)
        XCTAssertEqual(again.skipped, 2)
        XCTAssertEqual(try store.events().count, 2)
        XCTAssertEqual(try store.cases().first?.occurrences, 2)
        XCTAssertEqual(try FileManager.default.subpathsOfDirectory(atPath: dir.appendingPathComponent("evidence").path).sorted(), files)
    }

    func testZoneCodeOverrideAndLocationReachTheCase() throws {
        let store = try CaseStore()
        let s = try store.upsertSource(SourceInfo(key: "sha256:test", kind: .file, uri: "street.mp4", cameraID: "cam-1"))
        var cam = CameraConfig(id: "cam-1", url: "street.mp4", address: "人民路 12 号", latitude: 31.23, longitude: 121.47)
        cam.rules = CameraRules(zones: [Zone(id: "shopfront", codes: ["street_vending": "0504"])], timeZone: TimeZone(identifier: "UTC")!)
        let rec = IncidentRecorder(store: store, writer: EvidenceWriter(root: dir), config: StreetWardenConfig(), camera: cam,
                                   sourceID: s, runID: try store.beginRun(sourceID: s, model: nil, configDigest: nil),
                                   sourceKey: "sha256:test", site: "camera:cam-1", evidenceSub: "cam-1",
                                   encode: { try JPEGEncoder.encode($0.rgbImage) })
        for i in 0..<120 {
            let t = Double(i) * 2
            try rec.process(Sample(time: t, wallClock: t0.addingTimeInterval(t),
                                   observations: [Observation(className: "street_vending", score: 0.9, box: box)])) { [frame] in frame! }
        }
        try rec.finish()
        let c = try XCTUnwrap(store.cases().first)
        XCTAssertEqual(c.code, "0504"); XCTAssertEqual(c.codeName, "店外经营")
        XCTAssertEqual(c.address, "人民路 12 号"); XCTAssertEqual(c.latitude, 31.23)
    }
}
