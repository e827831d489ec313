import Foundation
import XCTest
@testable import CaseStore

/// A fresh temporary folder, removed at the end of the test.
func temporaryFolder(_ test: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("sw-store-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}

/// Both flavours of store every test runs against: in memory and on disk.
func stores(_ test: XCTestCase) throws -> [(String, CaseStore)] {
    let dir = try temporaryFolder(test)
    return [("memory", try CaseStore()), ("disk", try CaseStore(path: dir.appendingPathComponent("db.sqlite").path))]
}

let t0 = Date(timeIntervalSince1970: 1_767_225_600)

func event(_ key: String, run: Int64, source: Int64, category: String = "garbage",
           box: StoredBox = StoredBox(x1: 0.4, y1: 0.6, x2: 0.55, y2: 0.8), at start: Double = 0, length: Double = 300,
           site: String = "camera:cam-1", lat: Double? = nil, lon: Double? = nil, evidence: [EvidenceFile]? = nil) -> NewEvent {
    NewEvent(key: key, runID: run, sourceID: source, category: category,
             code: CategoryCode.defaults[category] ?? CategoryCode(code: "9999", name: "?"), zoneID: "frame", score: 0.9, box: box,
             firstSeen: Moment(pts: start, date: t0.addingTimeInterval(start)),
             violation: Moment(pts: start + 120, date: t0.addingTimeInterval(start + 120)),
             lastSeen: Moment(pts: start + length, date: t0.addingTimeInterval(start + length)),
             site: site, latitude: lat, longitude: lon,
             evidence: evidence ?? [
                EvidenceFile(kind: .frame, path: "evidence/\(key)-frame.jpg", sha256: String(repeating: "a", count: 64), width: 1920, height: 1080, bytes: 1000),
                EvidenceFile(kind: .crop, path: "evidence/\(key)-crop.jpg", sha256: String(repeating: "b", count: 64), width: 200, height: 150, bytes: 100),
             ])
}

/// A source and a run in `store`.
func sourceAndRun(_ store: CaseStore, key: String = "sha256:abc", camera: String? = "cam-1") throws -> (Int64, Int64) {
    let s = try store.upsertSource(SourceInfo(key: key, kind: .file, uri: "/clips/\(key).mp4", cameraID: camera))
    let r = try store.beginRun(sourceID: s, model: "m", configDigest: nil)
    return (s, r)
}
