import Foundation
import XCTest
@testable import VideoIO

/// Missing, empty, foreign, cut-off, damaged and undecodable inputs: each gives a typed error
/// naming the input, never a crash, and frames before the damage are still delivered.
final class BadInputTests: XCTestCase {
    /// Reads frames until the end or an error; returns the frames and the error.
    private func drain(_ path: String, policy: SamplingPolicy = .everyFrame) -> (frames: Int, error: VideoError?) {
        var count = 0
        do {
            let source = try VideoSource(url: path, policy: policy)
            while try source.nextFrame() != nil { count += 1 }
            return (count, nil)
        } catch let e as VideoError {
            return (count, e)
        } catch {
            XCTFail("untyped error \(error)")
            return (count, nil)
        }
    }

    private func assertNames(_ e: VideoError?, _ path: String, _ kind: VideoError.Kind,
                             file: StaticString = #filePath, line: UInt = #line) {
        guard let e else { return XCTFail("expected a \(kind) error for \(path)", file: file, line: line) }
        XCTAssertEqual(e.kind, kind, "\(e)", file: file, line: line)
        XCTAssertEqual(e.input, path, file: file, line: line)
        XCTAssertTrue(e.description.contains(path), file: file, line: line)
        XCTAssertFalse(e.description.contains("\n"), "one line", file: file, line: line)
        XCTAssertFalse(e.message.isEmpty, file: file, line: line)
    }

    private func damaged(_ name: String, from source: String, _ change: (inout [UInt8]) -> Void) throws -> String {
        var b = try Fixtures.bytes(source)
        change(&b)
        return try Fixtures.write(b, to: name)
    }

    func testMissingFile() {
        let path = Fixtures.path("does-not-exist.mp4")
        let r = drain(path)
        assertNames(r.error, path, .openFailed)
        XCTAssertTrue(r.error?.message.contains("No such file") ?? false)
    }

    /// `file:PATH` and `file:///PATH` name the same file as PATH (FFmpeg's file protocol); a
    /// missing one is still "No such file".
    func testFileURLs() throws {
        let clip = try Fixtures.clip("plain.mp4", seconds: 2)
        XCTAssertEqual(drain("file:" + clip).frames, 50)
        XCTAssertEqual(drain("file://" + clip).frames, 50)
        let missing = "file://" + Fixtures.path("gone.mp4")
        assertNames(drain(missing).error, missing, .openFailed)
    }

    /// A named pipe is refused at once: opening it would wait, beyond any timeout or stop(),
    /// for a writer that may never come.
    func testNamedPipeIsRefused() throws {
        let path = Fixtures.path("feed-\(UUID().uuidString).ts")
        XCTAssertEqual(mkfifo(path, 0o644), 0)
        defer { unlink(path) }
        let r = drain(path)
        assertNames(r.error, path, .openFailed)
        XCTAssertTrue(r.error?.message.contains("a named pipe") ?? false, "\(r.error!)")
    }

    func testZeroBytes() throws {
        let path = try Fixtures.write([], to: "empty.mp4")
        let r = drain(path)
        assertNames(r.error, path, .openFailed)
        XCTAssertTrue(r.error?.message.contains("empty") ?? false)
    }

    func testNotAVideo() throws {
        let text = try Fixtures.write(Array("hello, this is not a video\n".utf8), to: "notes.mp4")
        assertNames(drain(text).error, text, .openFailed)
        let audio = try Fixtures.make("tone.wav", ["-f", "lavfi", "-i", "sine=frequency=440", "-t", "0.5", "OUT"])
        assertNames(drain(audio).error, audio, .noVideoStream)
        // A song with cover art: its one picture is not video.
        let song = try Fixtures.make("song.mp3", ["-f", "lavfi", "-i", "sine=d=2", "-f", "lavfi", "-i", "testsrc=size=64x64:d=1",
                                                  "-map", "0", "-map", "1", "-c:v", "mjpeg", "-disposition:v", "attached_pic", "OUT"])
        assertNames(drain(song).error, song, .noVideoStream)
    }

    func testTruncatedMP4WithIndexAtTheEndCannotOpen() throws {
        let full = try Fixtures.clip("whole.mp4", seconds: 4)
        let path = try damaged("cut-moov.mp4", from: full) { $0.removeLast($0.count / 2) }
        let r = drain(path)
        assertNames(r.error, path, .openFailed)
        XCTAssertTrue(r.error?.message.contains("moov") ?? false, "FFmpeg's reason is kept: \(r.error!)")
    }

    func testTruncatedFilesDeliverTheFramesBeforeTheCut() throws {
        let fast = try Fixtures.clip("whole-fast.mp4", seconds: 4, extra: ["-movflags", "+faststart"])
        let mkv = try Fixtures.clip("whole.mkv", seconds: 4)
        for (name, whole) in [("cut-fast.mp4", fast), ("cut.mkv", mkv)] {
            let path = try damaged(name, from: whole) { $0.removeLast($0.count / 2) }
            let r = drain(path)
            assertNames(r.error, path, .truncated)
            XCTAssertGreaterThan(r.frames, 30, "\(name): frames before the cut")
            XCTAssertLessThan(r.frames, 100, name)
        }
    }

    /// A video stream with a header and not one picture (`-frames:v 0` into a fragmented MP4,
    /// every video packet dropped from an MKV or an MPEG-TS beside its audio) says so: not
    /// "truncated", not "corrupt".
    func testVideoStreamWithNoPictures() throws {
        let fragmented = try Fixtures.make("no-pictures.mp4", ["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-t", "2",
                                                               "-frames:v", "0", "-c:v", "libx264", "-movflags", "+frag_keyframe+empty_moov", "OUT"])
        let clip = try Fixtures.clip("pictures.mp4", seconds: 2)
        let tone = try Fixtures.make("tone-2s.m4a", ["-f", "lavfi", "-i", "sine=d=2", "OUT"])
        var paths = [fragmented]
        for ext in ["mkv", "ts"] {
            paths.append(try Fixtures.make("no-pictures.\(ext)", ["-i", clip, "-i", tone, "-map", "0:v", "-map", "1:a", "-c", "copy",
                                                                "-bsf:v", "noise=dropamount=1", "OUT"]))
        }
        for path in paths {
            for policy in [SamplingPolicy.keyframes, .everyFrame] {
                let r = drain(path, policy: policy)
                assertNames(r.error, path, .noPictures)
                XCTAssertEqual(r.error?.description, "empty video in \(path): the video stream holds no pictures")
                XCTAssertEqual(r.frames, 0)
            }
        }
    }

    /// A cut-off still image gives no picture under any policy: corrupt, never an empty success.
    func testCutOffImageIsCorrupt() throws {
        let png = try Fixtures.make("photo.png", ["-f", "lavfi", "-i", "testsrc2=size=640x360", "-frames:v", "1", "OUT"])
        let jpg = try Fixtures.make("photo.jpg", ["-f", "lavfi", "-i", "testsrc2=size=640x360", "-frames:v", "1", "OUT"])
        XCTAssertEqual(drain(jpg).frames, 1, "the whole picture decodes")
        let cutPNG = try damaged("cut.png", from: png) { $0.removeLast($0.count - 5000) }
        // MJPEG makes up a cut-off picture's missing part; only its log says so.
        let cutJPG = try damaged("cut.jpg", from: jpg) { $0.removeLast($0.count / 2) }
        for path in [cutPNG, cutJPG] {
            for policy in [SamplingPolicy.keyframes, .everyFrame] {
                let r = drain(path, policy: policy)
                assertNames(r.error, path, .corruptData)
                XCTAssertEqual(r.frames, 0)
            }
        }
    }

    func testCorruptedPacketsAreReportedAfterTheGoodFrames() throws {
        let ts = try Fixtures.clip("whole.ts", seconds: 4)
        let path = try damaged("scrambled.ts", from: ts) { b in
            var rng = SplitMix(seed: 7)
            for i in (b.count / 3)..<(b.count / 3 + 6000) { b[i] = UInt8(truncatingIfNeeded: rng.next()) }
        }
        let r = drain(path)
        assertNames(r.error, path, .corruptData)
        XCTAssertGreaterThanOrEqual(r.frames, 25, "the frames before the damage")
        XCTAssertLessThan(r.frames, 100, "damaged frames are not delivered")
    }

    func testUnsupportedCodec() throws {
        let avi = try Fixtures.clip("h264.avi", seconds: 1)
        // Rename the codec's FourCC in the AVI headers to one no decoder knows.
        let path = try damaged("unknown-codec.avi", from: avi) { b in
            for tag in [Array("H264".utf8), Array("avc1".utf8)] {
                var i = 0
                while i + 4 <= min(b.count, 8192) {
                    if Array(b[i..<i + 4]) == tag { b.replaceSubrange(i..<i + 4, with: Array("ZZZZ".utf8)) }
                    i += 1
                }
            }
        }
        let r = drain(path)
        assertNames(r.error, path, .unsupportedCodec)
        XCTAssertTrue(r.error?.message.contains("ZZZZ") ?? false, "\(r.error!)")
    }

    func testUnknownOptionIsRejected() throws {
        let path = try Fixtures.clip("opts.mp4", seconds: 1)
        var options = VideoSourceOptions()
        try options.set("no_such_option=1")
        XCTAssertThrowsError(try VideoSource(url: path, options: options)) {
            let e = $0 as? VideoError
            XCTAssertEqual(e?.kind, .invalidOption)
            XCTAssertTrue(e?.message.contains("no_such_option") ?? false)
        }
        XCTAssertThrowsError(try options.set("transport=carrier-pigeon"))
        XCTAssertThrowsError(try options.set("novalue"))
    }
}

/// A small deterministic generator, so damage is the same on every run.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
