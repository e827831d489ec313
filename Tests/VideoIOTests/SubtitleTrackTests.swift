import Foundation
import XCTest
@testable import VideoIO

/// Subtitle telemetry inside containers, made by the ffmpeg CLI.
final class SubtitleTrackTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("sw-sub-\(UUID().uuidString)")
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

    func testTelemetryCuesFromMP4AndMKV() throws {
        var srt = ""
        for i in 0..<4 {
            srt += "\(i + 1)\n00:00:0\(i),000 --> 00:00:0\(i + 1),000\n<font size=\"28\">FrameCnt: \(i + 1)\n[latitude: 22.54310\(i)] [longitude: 114.057900]</font>\n\n"
        }
        let srtPath = dir.appendingPathComponent("t.srt").path
        try srt.write(toFile: srtPath, atomically: true, encoding: .utf8)
        // -t after the inputs: an output option (before an -i it would bound that input only).
        let video = ["-f", "lavfi", "-i", "testsrc2=size=160x90:rate=5"]
        let mp4 = dir.appendingPathComponent("drive.mp4").path
        try ffmpeg(video + ["-i", srtPath, "-t", "4", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:s", "mov_text", mp4])
        let mkv = dir.appendingPathComponent("drive.mkv").path
        try ffmpeg(video + ["-i", srtPath, "-t", "4", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:s", "srt", mkv])
        for path in [mp4, mkv] {
            let cues = try XCTUnwrap(try SubtitleTrack.cues(path: path), path)
            XCTAssertEqual(cues.count, 4, path)
            XCTAssertEqual(cues.map(\.start), [0, 1, 2, 3], path)
            XCTAssertEqual(cues[2].end, 3, accuracy: 0.01)
            XCTAssertTrue(cues[2].text.contains("[latitude: 22.543102]"), "\(path): \(cues[2].text)")
        }
    }

    func testNoSubtitleStreamAndMissingFile() throws {
        let plain = dir.appendingPathComponent("plain.mp4").path
        try ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=160x90:rate=5", "-t", "1", "-pix_fmt", "yuv420p", plain])
        XCTAssertNil(try SubtitleTrack.cues(path: plain))
        XCTAssertThrowsError(try SubtitleTrack.cues(path: dir.appendingPathComponent("none.mp4").path)) {
            XCTAssertEqual(($0 as? VideoError)?.kind, .openFailed)
        }
        let junk = dir.appendingPathComponent("junk.mp4").path
        try Data("not a video".utf8).write(to: URL(fileURLWithPath: junk))
        XCTAssertThrowsError(try SubtitleTrack.cues(path: junk))
    }

    func testASSAndMovTextPayloads() {
        XCTAssertEqual(SubtitleTrack.text(Array("0,0,Default,,0,0,0,,{\\an8}N22.5 E114.0\\N30 km/h".utf8), kind: .ass),
                       "N22.5 E114.0\n30 km/h")
        XCTAssertEqual(SubtitleTrack.text([0, 3] + Array("abcSTYL".utf8), kind: .movText), "abc")
        XCTAssertNil(SubtitleTrack.text([0, 9, 65], kind: .movText), "a length beyond the packet")
    }
}
