import CFFmpeg
import Foundation
import XCTest
@testable import VideoIO

/// Files of each container and codec the issue names, read through the real libraries.
final class VideoSourceTests: XCTestCase {
    private func readAll(_ source: VideoSource) throws -> [VideoFrame] {
        var frames: [VideoFrame] = []
        while let f = try source.nextFrame() { frames.append(f) }
        return frames
    }

    func testContainersAndCodecsDeliverEveryFrame() throws {
        let cases: [(file: String, codec: [String], expect: String)] = [
            ("h264.mp4", ["-c:v", "libx264", "-preset", "ultrafast", "-bf", "2"], "h264"),
            ("hevc.mkv", ["-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=none"], "hevc"),
            ("mpeg4.mov", ["-c:v", "mpeg4"], "mpeg4"),
            ("mjpeg.avi", ["-c:v", "mjpeg", "-q:v", "5"], "mjpeg"),
            ("h264.ts", ["-c:v", "libx264", "-preset", "ultrafast"], "h264"),
            ("h264.flv", ["-c:v", "libx264", "-preset", "ultrafast"], "h264"),
        ]
        for c in cases {
            let pixfmt = c.expect == "mjpeg" ? ["-pix_fmt", "yuvj420p"] : []
            let path = try Fixtures.make(c.file, ["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-t", "2"]
                                         + c.codec + ["-g", "25"] + pixfmt + ["OUT"])
            let source = try VideoSource(url: path, options: VideoSourceOptions(), policy: .everyFrame)
            XCTAssertEqual(source.codecName, c.expect, c.file)
            XCTAssertEqual(source.width, 320, c.file)
            XCTAssertEqual(source.height, 240, c.file)
            XCTAssertFalse(source.isLive, c.file)
            let frames = try readAll(source)
            // 2 s at 25 fps: all 50, including the ones still inside the decoder at the end.
            XCTAssertEqual(frames.count, 50, c.file)
            XCTAssertEqual(frames.first?.pts ?? -1, 0, accuracy: 0.05, c.file)
            XCTAssertEqual(frames.last?.pts ?? -1, 1.96, accuracy: 0.05, c.file)
            XCTAssertTrue(zip(frames, frames.dropFirst()).allSatisfy { $0.pts < $1.pts }, "\(c.file): pts increase")
            XCTAssertTrue(frames.first?.isKeyframe ?? false, c.file)
        }
    }

    func testKeyframePolicyDeliversOnlyKeyframes() throws {
        let path = try Fixtures.clip("gop10.mp4", seconds: 2, gop: 10, extra: ["-sc_threshold", "0"])
        let source = try VideoSource(url: path, policy: .keyframes)
        XCTAssertEqual(SamplingPolicy.default, .keyframes)
        let frames = try readAll(source)
        XCTAssertEqual(frames.count, 5)
        XCTAssertTrue(frames.allSatisfy(\.isKeyframe))
        XCTAssertEqual(frames.map { ($0.pts * 10).rounded() / 10 }, [0, 0.4, 0.8, 1.2, 1.6])
        XCTAssertEqual(source.position, 2, accuracy: 0.05, "every packet was demuxed")
        XCTAssertEqual(source.decodedFrames, 5, "non-key packets never reached the decoder")
    }

    /// Keyframes mode on an MP4 jumps from keyframe to keyframe through the sample table and
    /// delivers exactly what reading every packet in order delivers (here the same stream
    /// copied into MPEG-TS, which has no index): same times, same pixels. B-frames make decode
    /// and presentation order differ, and the MP4 gets an edit list.
    func testKeyframesJumpThroughTheMP4IndexAndMatchReadingInOrder() throws {
        let mp4 = try Fixtures.clip("gop10-bframes.mp4", seconds: 4, gop: 10,
                                    codec: ["-c:v", "libx264", "-preset", "fast", "-bf", "2"], extra: ["-sc_threshold", "0"])
        let ts = try Fixtures.make("gop10-bframes.ts", ["-i", mp4, "-c", "copy", "-f", "mpegts", "OUT"])
        let jumping = try VideoSource(url: mp4, policy: .keyframes)
        let inOrder = try VideoSource(url: ts, policy: .keyframes)
        let a = try readAll(jumping), b = try readAll(inOrder)
        XCTAssertEqual(a.count, 10)
        XCTAssertEqual(a.map { (($0.pts - a[0].pts) * 100).rounded() }, b.map { (($0.pts - b[0].pts) * 100).rounded() })
        for i in [0, 4, 9] {
            XCTAssertEqual(a[i].planarRGB(width: 64, height: 48), b[i].planarRGB(width: 64, height: 48), "keyframe \(i)")
        }
        XCTAssertEqual(jumping.indexJumpCount, 9, "one jump per keyframe but the last")
        XCTAssertEqual(inOrder.indexJumpCount, 0)
        XCTAssertEqual(jumping.position, 4, accuracy: 0.05, "the last GOP is read to the end")
        XCTAssertEqual(jumping.decodedFrames, 10)
        // Every-frame mode reads in order.
        let all = try VideoSource(url: mp4, policy: .everyFrame)
        XCTAssertEqual(try readAll(all).count, 100)
        XCTAssertEqual(all.indexJumpCount, 0)
    }

    /// An MP4 whose header describes its video opens without FFmpeg's stream probe (which would
    /// decode the first picture once more) and decodes exactly what the same stream probed in
    /// another container decodes, every frame, in order, with B-frames reordered.
    func testMP4HeaderStandsInForTheStreamProbe() throws {
        let mp4 = try Fixtures.clip("probe-bframes.mp4", seconds: 2, gop: 12,
                                    codec: ["-c:v", "libx264", "-preset", "fast", "-bf", "3"], extra: ["-sc_threshold", "0"])
        let mkv = try Fixtures.make("probe-bframes.mkv", ["-i", mp4, "-c", "copy", "OUT"])
        let direct = try VideoSource(url: mp4, policy: .everyFrame)
        let probed = try VideoSource(url: mkv, policy: .everyFrame)
        XCTAssertFalse(direct.probedStreamInfo)
        XCTAssertTrue(probed.probedStreamInfo)
        XCTAssertEqual(direct.width, 320); XCTAssertEqual(direct.height, 240)
        XCTAssertEqual(direct.frameRate ?? 0, 25, accuracy: 1e-9)
        XCTAssertEqual(direct.duration ?? 0, 2, accuracy: 0.05)
        let a = try readAll(direct), b = try readAll(probed)
        XCTAssertEqual(a.count, 50)
        XCTAssertEqual(a.count, b.count)
        XCTAssertEqual(a.map { (($0.pts - a[0].pts) * 100).rounded() }, b.map { (($0.pts - b[0].pts) * 100).rounded() })
        XCTAssertEqual(a.map(\.isKeyframe), b.map(\.isKeyframe))
        for i in [0, 1, 2, 13, 49] {
            XCTAssertEqual(a[i].planarRGB(width: 32, height: 24), b[i].planarRGB(width: 32, height: 24), "frame \(i)")
        }
        // An MPEG-TS has no such header: probed.
        let ts = try Fixtures.make("probe-bframes.ts", ["-i", mp4, "-c", "copy", "-f", "mpegts", "OUT"])
        XCTAssertTrue(try VideoSource(url: ts, policy: .keyframes).probedStreamInfo)
    }

    /// Pictures decoded into the 2 MiB-page pool (one block per picture, our plane layout) are
    /// the pictures FFmpeg's own buffers get, pixel for pixel, on a size whose line widths
    /// need padding, with B-frames (references read back while later pictures decode).
    func testFramesInHugePageBlocksMatchFFmpegsBuffers() throws {
        let clip = try Fixtures.make("odd-size-bframes.mp4", ["-f", "lavfi", "-i", "testsrc2=size=322x242:rate=25", "-t", "1.2",
                                                               "-c:v", "libx264", "-preset", "fast", "-bf", "2", "-g", "12",
                                                               "-pix_fmt", "yuv420p", "OUT"])
        var plain = VideoSourceOptions()
        plain.hugePageFrames = false
        let pooled = try VideoSource(url: clip, options: VideoSourceOptions(), policy: .everyFrame)
        let defaults = try VideoSource(url: clip, options: plain, policy: .everyFrame)
        XCTAssertTrue(pooled.decodesIntoHugePages)
        XCTAssertFalse(defaults.decodesIntoHugePages)
        let a = try readAll(pooled), b = try readAll(defaults)
        XCTAssertEqual(a.count, 30)
        XCTAssertEqual(a.count, b.count)
        XCTAssertEqual(a.first?.width, 322)
        for (x, y) in zip(a, b) {
            XCTAssertEqual(x.pts, y.pts)
            XCTAssertEqual(planes(x), planes(y), "picture at \(x.pts)")
            XCTAssertEqual(x.planarRGB(width: 64, height: 48), y.planarRGB(width: 64, height: 48))
        }
        // Live inputs keep FFmpeg's buffers.
        var live = VideoSourceOptions()
        live.live = true
        XCTAssertFalse(try VideoSource(url: clip, options: live, policy: .everyFrame).decodesIntoHugePages)
    }

    /// The visible Y, U and V bytes of an 8-bit 4:2:0 picture, row by row (not the padding).
    private func planes(_ f: VideoFrame) -> [UInt8] {
        let av = f.box.frame.pointee
        var out: [UInt8] = []
        let w = Int(av.width), h = Int(av.height)
        for (plane, pw, ph) in [(av.data.0, w, h), (av.data.1, (w + 1) / 2, (h + 1) / 2), (av.data.2, (w + 1) / 2, (h + 1) / 2)] {
            let stride = Int(plane == av.data.0 ? av.linesize.0 : plane == av.data.1 ? av.linesize.1 : av.linesize.2)
            for r in 0..<ph { out += UnsafeBufferPointer(start: plane! + r * stride, count: pw) }
        }
        return out
    }

    /// A clip cut from a recording without re-encoding starts mid-GOP, and its MP4 edit list
    /// hides the pictures before the cut: jumping through the index still delivers exactly the
    /// keyframes that decoding every frame shows.
    func testKeyframeJumpsOnAClipCutMidGOP() throws {
        let src = try Fixtures.clip("gop10-bframes-src.mp4", seconds: 4, gop: 10,
                                    codec: ["-c:v", "libx264", "-preset", "fast", "-bf", "2"], extra: ["-sc_threshold", "0"])
        let cut = try Fixtures.make("gop10-cut.mp4", ["-ss", "0.5", "-i", src, "-c", "copy", "OUT"])
        let jumping = try VideoSource(url: cut, policy: .keyframes)
        let keys = try readAll(jumping)
        let every = try readAll(try VideoSource(url: cut, policy: .everyFrame)).filter(\.isKeyframe)
        XCTAssertGreaterThanOrEqual(keys.count, 7)
        // One jump per key packet but the last; the hidden keyframe before the cut is one of them.
        XCTAssertEqual(jumping.indexJumpCount, keys.count, "every jump landed")
        XCTAssertEqual(keys.map { ($0.pts * 100).rounded() }, every.map { ($0.pts * 100).rounded() })
        for (a, b) in zip(keys, every) {
            XCTAssertEqual(a.planarRGB(width: 32, height: 24), b.planarRGB(width: 32, height: 24), "keyframe at \(a.pts)")
        }
    }

    func testRatePolicyKeepsTheRequestedRate() throws {
        let path = try Fixtures.clip("rate.mp4", seconds: 2)
        let frames = try readAll(try VideoSource(url: path, policy: .rate(5)))
        XCTAssertEqual(frames.count, 10)
        for (a, b) in zip(frames, frames.dropFirst()) { XCTAssertEqual(b.pts - a.pts, 0.2, accuracy: 0.045) }
        XCTAssertThrowsError(try VideoSource(url: path, policy: .rate(0))) {
            XCTAssertEqual(($0 as? VideoError)?.kind, .invalidOption)
        }
    }

    /// Gray pictures (8- and 16-bit gray PNG, gray+alpha, monochrome H.265) give the model the
    /// same input as the same picture in RGB: FFmpeg 5.1 converts gray to float RGB wrongly (one
    /// plane 1.0, the others 0), so they go through 8-bit planar RGB. Also for crops (tiles).
    func testGrayPicturesReachTheModelAsGray() throws {
        let rgb = try Fixtures.make("gray-ref.png", ["-f", "lavfi", "-i", "testsrc2=size=160x90", "-vf", "format=gray,format=rgb24",
                                                     "-frames:v", "1", "OUT"])
        let reference = try XCTUnwrap(readAll(try VideoSource(url: rgb)).first)
        let want = reference.planarRGB(width: 64, height: 36)
        let wantCrop = try XCTUnwrap(reference.planarRGB(width: 32, height: 16, cropX: 20, cropY: 10, cropWidth: 80, cropHeight: 40))
        for (name, format) in [("gray8.png", "gray"), ("gray16.png", "gray16be"), ("ya8.png", "ya8")] {
            let path = try Fixtures.make(name, ["-f", "lavfi", "-i", "testsrc2=size=160x90", "-vf", "format=\(format)", "-frames:v", "1", "OUT"])
            let frame = try XCTUnwrap(readAll(try VideoSource(url: path)).first)
            let got = frame.planarRGB(width: 64, height: 36)
            let err = zip(got, want).map { abs($0 - $1) }.reduce(0, +) / Float(want.count)
            XCTAssertLessThan(err, 0.01, "\(name): mean |Δ| \(err)")
            let crop = try XCTUnwrap(frame.planarRGB(width: 32, height: 16, cropX: 20, cropY: 10, cropWidth: 80, cropHeight: 40))
            XCTAssertLessThan(zip(crop, wantCrop).map { abs($0 - $1) }.reduce(0, +) / Float(crop.count), 0.01, name)
        }
        let mono = try Fixtures.make("mono.mkv", ["-f", "lavfi", "-i", "testsrc2=size=160x90:rate=5", "-t", "1", "-pix_fmt", "gray",
                                                  "-c:v", "libx265", "-x265-params", "log-level=error", "OUT"])
        let frame = try XCTUnwrap(readAll(try VideoSource(url: mono)).first)
        let got = frame.planarRGB(width: 64, height: 36)
        // (H.265 is lossy: close to the gray picture, and the three planes equal, as gray is.)
        XCTAssertLessThan(zip(got, want).map { abs($0 - $1) }.reduce(0, +) / Float(want.count), 0.05)
        XCTAssertEqual(Array(got[0..<(64 * 36)]), Array(got[(64 * 36)..<(2 * 64 * 36)]))
    }

    /// A Matroska clip whose timestamps start late (cut from a recording, or an NVR's epoch-based
    /// times) is complete, not "truncated": its stated duration runs from time 0.
    func testMatroskaStartingLateIsNotTruncated() throws {
        let base = try Fixtures.clip("late-src.mp4", seconds: 2)
        for offset in ["100", "1780000000"] {
            let path = try Fixtures.make("late-\(offset).mkv", ["-i", base, "-c", "copy", "-output_ts_offset", offset, "OUT"])
            let source = try VideoSource(url: path, policy: .everyFrame)
            XCTAssertEqual(source.duration ?? 0, 2, accuracy: 0.1, offset)
            let frames = try readAll(source)
            XCTAssertEqual(frames.count, 50, offset)
            XCTAssertEqual(frames.first?.pts ?? -1, 0, accuracy: 0.001, "times from the clip's start")
            XCTAssertTrue(VideoSourceOptions.plausibleDates.contains(frames.first!.wallClock), "\(frames.first!.wallClock)")
        }
    }

    func testStillImages() throws {
        for ext in ["jpg", "png"] {
            let path = try Fixtures.make("still.\(ext)", ["-f", "lavfi", "-i", "testsrc2=size=160x90", "-frames:v", "1", "OUT"])
            let source = try VideoSource(url: path)
            XCTAssertTrue(source.isStill, ext)
            let frames = try readAll(source)
            XCTAssertEqual(frames.count, 1, ext)
            XCTAssertEqual(frames.first?.width, 160)
            XCTAssertEqual(frames.first?.height, 90)
            XCTAssertTrue(frames.first?.isKeyframe ?? false)
        }
    }

    /// A start time is a time that exists: no February 30, no zone beyond ±14:00 or with 99
    /// minutes (the formatter would roll them over into another day or hour).
    func testDatesThatDoNotExistAreRefused() {
        for bad in ["2026-02-30T00:00:00Z", "2025-02-29T00:00:00Z", "2026-04-31T08:00:00Z", "2026-05-01T08:00:00+25:00",
                    "2026-05-01T08:00:00+99:99", "2026-05-01T08:00:00-15:00", "2026-05-01T24:00:00Z", "2026-05-01T08:60:00Z"] {
            XCTAssertNil(VideoSourceOptions.parseDate(bad), bad)
        }
        let utc = VideoSourceOptions.parseDate("2024-02-29T00:00:00Z")
        XCTAssertNotNil(utc, "a leap day")
        XCTAssertEqual(VideoSourceOptions.parseDate("2024-02-29T08:00:00+08:00"), utc)
        XCTAssertEqual(VideoSourceOptions.parseDate("2024-02-28T14:00:00.500-10:00")?.addingTimeInterval(-0.5), utc)
        XCTAssertEqual(VideoSourceOptions.parseDate("2024-02-29T13:45:00+13:45"), utc)
    }

    /// The other spellings people type for one time: a space or `t` between date and time, `z`,
    /// no seconds. A time without a zone, or a date alone, is still refused.
    func testUsualSpellingsOfAStartTime() {
        let utc = VideoSourceOptions.parseDate("2026-05-01T00:00:00Z")
        XCTAssertNotNil(utc)
        for same in ["2026-05-01 08:00:00+08:00", "2026-05-01t00:00:00z", "2026-05-01T00:00Z", "2026-05-01 08:00+08:00",
                     "2026-05-01 08:00+0800", "2026-05-01 00:00:00.000Z"] {
            XCTAssertEqual(VideoSourceOptions.parseDate(same), utc, same)
        }
        for bad in ["2026-05-01 08:00:00", "2026-05-01T08:00", "2026-05-01", "2026-05-01  08:00:00Z", "2026-05-01 08Z",
                    "2026-05-01 24:00Z", "2026-02-30 08:00Z", "2026-05-01T08:00:00+14:01", "2026-05-01T08:00:00-12:30",
                    "2026-05-01T08:00:00 Z", "2026-05-01T08:00:00Zx", "2026-05-01T08:00:00+08:00x", "2026-05-01T08:00:00+0800 "] {
            XCTAssertNil(VideoSourceOptions.parseDate(bad), bad)
        }
        XCTAssertEqual(VideoSourceOptions.parseDate("2026-05-01T14:00:00+14:00"), utc, "the easternmost zone")
        XCTAssertEqual(VideoSourceOptions.parseDate("2026-04-30T12:00:00-12:00"), utc, "the westernmost zone")
    }

    func testWallClockFromCreationTimeAndOverride() throws {
        let path = try Fixtures.clip("dated.mp4", seconds: 1, extra: ["-metadata", "creation_time=2024-05-01T08:00:00Z"])
        let start = VideoSourceOptions.parseDate("2024-05-01T08:00:00Z")!
        let frames = try readAll(try VideoSource(url: path, policy: .everyFrame))
        XCTAssertEqual(frames.count, 25)
        for f in frames { XCTAssertEqual(f.wallClock.timeIntervalSince(start), f.pts, accuracy: 0.001) }

        var options = VideoSourceOptions()
        try options.set("start=2030-01-02T03:04:05Z")
        let override = VideoSourceOptions.parseDate("2030-01-02T03:04:05Z")!
        let again = try readAll(try VideoSource(url: path, options: options, policy: .keyframes))
        XCTAssertEqual(again.first?.wallClock.timeIntervalSince(override) ?? -1, 0, accuracy: 0.001)
    }

    func testFileWithoutCreationTimeUsesModificationTime() throws {
        let path = try Fixtures.clip("undated.ts", seconds: 1)
        let modified = try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as! Date
        let frame = try XCTUnwrap(try VideoSource(url: path).nextFrame())
        XCTAssertEqual(frame.wallClock.timeIntervalSince(modified), -1, accuracy: 0.2)
    }
}
