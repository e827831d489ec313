import Foundation
import XCTest

/// `detect` and `bench accuracy` with the committed default model on images and clips made here
/// with the ffmpeg CLI (no binary fixtures).
final class DetectCommandTests: XCTestCase {
    var model: String { CLI.repoRoot.appendingPathComponent("models/streetwarden-v1.json").path }

    func testJSONLForImageAndClipAndBadInputSkipped() throws {
        let dir = try temporaryFolder(self)
        let img = dir.appendingPathComponent("street.png").path
        let clip = dir.appendingPathComponent("street.mp4").path
        let bad = dir.appendingPathComponent("bad.jpg").path
        try ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=640x360", "-frames:v", "1", img])
        try ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=10", "-t", "3", "-pix_fmt", "yuv420p", clip])
        try "not an image".write(toFile: bad, atomically: true, encoding: .utf8)
        let r = try CLI.run(["detect", img, bad, clip, "--model", model])
        XCTAssertEqual(r.status, 1, "a bad input makes the exit status non-zero")
        XCTAssertTrue(r.stderr.contains(bad), r.stderr)
        XCTAssertFalse(r.stderr.contains("Fatal error"))
        let lines = r.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 1 + 3, "one line for the image, one per sampled second of the clip: \(r.stdout)")
        for (i, line) in lines.enumerated() {
            let obj = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            XCTAssertEqual(obj["input"] as? String, i == 0 ? img : clip)
            if i == 0 { XCTAssertTrue(obj["frame_pts"] is NSNull) } else { XCTAssertNotNil(obj["frame_pts"] as? Double) }
            let scores = try XCTUnwrap(obj["scores"] as? [String: Double])
            XCTAssertEqual(Set(scores.keys), ["street_vending", "garbage", "illegal_ad"])
            XCTAssertTrue(scores.values.allSatisfy { $0 >= 0 && $0 <= 1 })
            let dets = try XCTUnwrap(obj["detections"] as? [[String: Any]])
            let (w, h) = i == 0 ? (640.0, 360.0) : (320.0, 240.0)
            for d in dets {
                let box = try XCTUnwrap(d["box"] as? [Double])
                XCTAssertEqual(box.count, 4)
                XCTAssertTrue(box[0] >= 0 && box[2] <= w && box[1] >= 0 && box[3] <= h && box[0] <= box[2] && box[1] <= box[3])
                let cls = try XCTUnwrap(d["class"] as? String)
                let s = try XCTUnwrap(d["score"] as? Double)
                XCTAssertLessThanOrEqual(s, scores[cls]! + 1e-4, "a detection's score is at most its class's image score")
            }
        }
    }

    /// `--tiles 2` adds 2×2 tiles to the whole-frame pass: every class's image score is the best
    /// over the passes, so it can only rise, and boxes stay inside the picture.
    func testTilesNeverLowerScoresAndKeepBoxesInside() throws {
        let dir = try temporaryFolder(self)
        let img = dir.appendingPathComponent("wide.png").path
        try ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=1280x720", "-frames:v", "1", img])
        func scores(_ extra: [String]) throws -> ([String: Double], [[Double]]) {
            let r = try CLI.run(["detect", img, "--model", model] + extra)
            XCTAssertEqual(r.status, 0, r.stderr)
            let obj = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
            let dets = try XCTUnwrap(obj["detections"] as? [[String: Any]])
            return (try XCTUnwrap(obj["scores"] as? [String: Double]), dets.compactMap { $0["box"] as? [Double] })
        }
        let (whole, _) = try scores([])
        let (tiled, boxes) = try scores(["--tiles", "2"])
        for (cls, s) in whole { XCTAssertGreaterThanOrEqual(tiled[cls]!, s - 1e-4, cls) }
        for b in boxes { XCTAssertTrue(b[0] >= 0 && b[1] >= 0 && b[2] <= 1280 && b[3] <= 720 && b[0] <= b[2] && b[1] <= b[3], "\(b)") }
        let bad = try CLI.run(["detect", img, "--model", model, "--tiles", "9"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("--tiles"), bad.stderr)
    }

    func testBenchAccuracyOnFolderDataset() throws {
        let dir = try temporaryFolder(self)
        for (sub, src) in [("garbage", "testsrc2"), ("background", "smptebars")] {
            try FileManager.default.createDirectory(at: dir.appendingPathComponent(sub), withIntermediateDirectories: true)
            for i in 0..<2 {
                try ffmpeg(["-f", "lavfi", "-i", "\(src)=size=320x180", "-vf", "hue=h=\(i * 90)", "-frames:v", "1",
                            dir.appendingPathComponent("\(sub)/\(i).jpg").path])
            }
        }
        let r = try CLI.run(["bench", "accuracy", "--data", dir.path, "--model", model, "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let obj = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(obj["images"] as? Int, 4)
        let classes = try XCTUnwrap(obj["classes"] as? [String: [String: Any]])
        XCTAssertEqual(Array(classes.keys), ["garbage"], "only the class with a folder is evaluated")
        XCTAssertEqual(classes["garbage"]?["positives"] as? Int, 2)
        let ap = try XCTUnwrap(classes["garbage"]?["ap"] as? Double)
        XCTAssertTrue(ap >= 0 && ap <= 1)
    }

    func testBenchAccuracyRejectsUnknownFolder() throws {
        let dir = try temporaryFolder(self)
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("cats"), withIntermediateDirectories: true)
        let r = try CLI.run(["bench", "accuracy", "--data", dir.path, "--model", model])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("cats"), r.stderr)
    }
}
