import Foundation
import XCTest
@testable import VideoIO

/// Named tolerances of the tent scaler's tests.
enum Tolerance {
    /// Tent scaler (8-bit fixed point, vertical stage rounded to 8 bits) against the same
    /// filter computed in Double: levels of 0…255.
    static let tentLevels = 2
    /// Decoded frame, tent path against the reference (one swscale call, swscale's bilinear
    /// with its own chroma siting): mean absolute difference of the float planes (0…1).
    static let tentVersusReferenceMean: Float = 0.03
}

/// The tent scaler (C kernels) on its own, and the band path that runs it while FFmpeg's
/// H.264 decoder writes each picture.
final class BandScalingTests: XCTestCase {
    override func tearDown() {
        FrameScaler.attachBandsEnabled = true
        FrameScaler.bandPathEnabled = true
        FrameScaler.tentPathEnabled = true
        FrameScaler.allowAVX2Kernels(true)
    }

    /// A seeded random 4:2:0 picture with a few flat and extreme areas.
    private func picture(_ w: Int, _ h: Int, seed: UInt64) -> (y: [UInt8], u: [UInt8], v: [UInt8]) {
        var state = seed
        func next() -> UInt8 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return UInt8(truncatingIfNeeded: state >> 56)
        }
        var y = (0..<(w * h)).map { _ in next() }
        let u = (0..<(w * h / 4)).map { _ in next() }
        let v = (0..<(w * h / 4)).map { _ in next() }
        for i in 0..<min(w * 4, y.count) { y[i] = 255 }          // all-255 rows: no overflow
        for i in (y.count - w)..<y.count { y[i] = 0 }
        return (y, u, v)
    }

    /// The filter computed plainly: integer 2×2 box mean, then the tent weights in Double,
    /// vertical then horizontal, rounded once at the end.
    private func plainTent(_ p: [UInt8], _ W: Int, _ H: Int, _ w: Int, _ h: Int) -> [UInt8] {
        let hw = W / 2, hh = H / 2
        var half = [Double](repeating: 0, count: hw * hh)
        for y in 0..<hh {
            for x in 0..<hw {
                let s = Int(p[2 * y * W + 2 * x]) + Int(p[2 * y * W + 2 * x + 1])
                    + Int(p[(2 * y + 1) * W + 2 * x]) + Int(p[(2 * y + 1) * W + 2 * x + 1])
                half[y * hw + x] = Double((s + 2) / 4)
            }
        }
        func taps(_ o: Int, _ n: Int, _ len: Int) -> [(Int, Double)] {
            let s = Double(len) / Double(n), r = max(s, 1), c = (Double(o) + 0.5) * s - 0.5
            var t: [(Int, Double)] = []
            for i in Int((c - r).rounded(.down))...Int((c + r).rounded(.up)) {
                let wt = 1 - abs(Double(i) - c) / r
                if wt > 1e-9 { t.append((min(max(i, 0), len - 1), wt)) }
            }
            let sum = t.reduce(0) { $0 + $1.1 }
            return t.map { ($0.0, $0.1 / sum) }
        }
        var mid = [Double](repeating: 0, count: hw * h)
        for o in 0..<h {
            for (i, wt) in taps(o, h, hh) { for x in 0..<hw { mid[o * hw + x] += wt * half[i * hw + x] } }
        }
        var out = [UInt8](repeating: 0, count: w * h)
        for o in 0..<w {
            let t = taps(o, w, hw)
            for y in 0..<h {
                let v = t.reduce(0) { $0 + $1.1 * mid[y * hw + $1.0] }
                out[y * w + o] = UInt8(min(max(v.rounded(), 0), 255))
            }
        }
        return out
    }

    // Scales (half size → output) from 1.25 to 3.8: 2 to 8 taps a direction, odd output sizes, the
    // vpshufb and the gather horizontal kernels.
    private let shapes = [(320, 176, 127, 63), (640, 360, 160, 90), (52, 28, 13, 7), (1280, 720, 512, 288), (960, 544, 127, 71)]

    func testTentScalerMatchesThePlainFilter() throws {
        for (W, H, w, h) in shapes {
            let p = picture(W, H, seed: UInt64(W * H))
            let out = try XCTUnwrap(FrameScaler.tentScale(y: p.y, u: p.u, v: p.v, width: W, height: H, to: w, h))
            let cw = (w + 1) / 2, ch = (h + 1) / 2
            XCTAssertEqual(out.count, w * h + 2 * cw * ch)
            let planes: [([UInt8], Int, Int, Int, Int, Int)] = [(p.y, W, H, w, h, 0), (p.u, W / 2, H / 2, cw, ch, w * h),
                                                                (p.v, W / 2, H / 2, cw, ch, w * h + cw * ch)]
            for (src, sw, sh, dw, dh, offset) in planes {
                let want = plainTent(src, sw, sh, dw, dh)
                var worst = 0
                for i in 0..<(dw * dh) { worst = max(worst, abs(Int(out[offset + i]) - Int(want[i]))) }
                XCTAssertLessThanOrEqual(worst, Tolerance.tentLevels, "\(W)x\(H) → \(w)x\(h), plane at \(offset)")
            }
        }
    }

    /// Bands of any heights give the very same bytes as the whole frame at once, and the AVX2
    /// and baseline kernel builds agree exactly (integer arithmetic throughout).
    func testBandingAndKernelBuildsDoNotChangeTheOutput() throws {
        var rng: UInt64 = 7
        for (W, H, w, h) in shapes {
            let p = picture(W, H, seed: UInt64(W + H))
            let whole = try XCTUnwrap(FrameScaler.tentScale(y: p.y, u: p.u, v: p.v, width: W, height: H, to: w, h))
            var random: [Int] = []
            var rows = 0
            while rows < H {
                rng = rng &* 6364136223846793005 &+ 1
                let b = 1 + Int(rng >> 59)
                random.append(b)
                rows += b
            }
            let bandings: [[Int]] = [Array(repeating: 1, count: H), [12] + Array(repeating: 16, count: H / 16), random]
            for bands in bandings {
                XCTAssertEqual(FrameScaler.tentScale(y: p.y, u: p.u, v: p.v, width: W, height: H, to: w, h, bands: bands),
                               whole, "\(W)x\(H) → \(w)x\(h), bands \(bands.prefix(4))…")
            }
            FrameScaler.allowAVX2Kernels(false)
            XCTAssertEqual(FrameScaler.tentScale(y: p.y, u: p.u, v: p.v, width: W, height: H, to: w, h, bands: random),
                           whole, "baseline build, \(W)x\(H) → \(w)x\(h)")
            FrameScaler.allowAVX2Kernels(true)
        }
    }

    func testShapesTheTentScalerDoesNotTake() {
        let p = picture(64, 32, seed: 1)
        // Less than a halving, more than 8 taps a direction, sides not multiples of 4, 1-pixel outputs.
        XCTAssertNil(FrameScaler.tentScale(y: p.y, u: p.u, v: p.v, width: 64, height: 32, to: 40, 10))
        XCTAssertNil(FrameScaler.tentScale(y: p.y, u: p.u, v: p.v, width: 64, height: 32, to: 3, 2))
        XCTAssertNil(FrameScaler.tentScale(y: p.y, u: p.u, v: p.v, width: 64, height: 32, to: 1, 1))
        XCTAssertNil(FrameScaler.tentScale(y: Array(p.y.prefix(62 * 32)), u: p.u, v: p.v, width: 62, height: 32, to: 16, 8))
    }

    /// H.264 with B-frames (pictures decoded out of display order), a cropped height (360 of 368
    /// coded rows), several slices a picture, and MBAFF: every frame scaled by the band path
    /// equals the whole-frame tent path exactly, and the band path serves nearly every frame.
    func testBandPathEqualsWholeFramePathOnDecodedH264() throws {
        let variants: [(String, [String], Bool)] = [
            ("bframes.mp4", ["-bf", "3", "-preset", "fast"], true),
            ("slices.mp4", ["-bf", "2", "-x264-params", "slices=4"], true),
            ("mbaff.mp4", ["-bf", "2", "-x264-params", "interlaced=1"], false),
        ]
        for (name, args, mustServe) in variants {
            let path = try Fixtures.make("band-" + name, ["-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25", "-t", "1",
                                                         "-c:v", "libx264", "-g", "12"] + args + ["-pix_fmt", "yuv420p", "OUT"])
            let source = try VideoSource(url: path, policy: .everyFrame)
            var frames = 0
            while let frame = try source.nextFrame() {
                FrameScaler.bandPathEnabled = true
                let banded = frame.planarRGB(width: 160, height: 90)
                FrameScaler.bandPathEnabled = false
                let whole = frame.planarRGB(width: 160, height: 90)
                FrameScaler.bandPathEnabled = true
                XCTAssertEqual(banded, whole, "\(name) frame \(frames)")
                frames += 1
            }
            XCTAssertEqual(frames, 25, name)
            let stats = source.bandStats
            if mustServe {
                // The first pictures are decoded before anyone asked for a size.
                XCTAssertGreaterThanOrEqual(stats.served, frames - 6, name)
            }
            XCTAssertLessThanOrEqual(stats.served, stats.completed, name)
        }
    }

    /// The callbacks only read: every decoded picture (full resolution, RGB24) is the same
    /// with and without them.
    func testBandCallbacksLeaveDecodedPicturesUnchanged() throws {
        let path = try Fixtures.make("band-bframes.mp4", ["-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25", "-t", "1",
                                                          "-c:v", "libx264", "-g", "12", "-bf", "3", "-preset", "fast",
                                                          "-pix_fmt", "yuv420p", "OUT"])
        func pictures(bands: Bool) throws -> [[UInt8]] {
            FrameScaler.attachBandsEnabled = bands
            defer { FrameScaler.attachBandsEnabled = true }
            let source = try VideoSource(url: path, policy: .everyFrame)
            var out: [[UInt8]] = []
            while let frame = try source.nextFrame() {
                _ = frame.planarRGB(width: 160, height: 90)
                out.append(frame.rgbImage().pixels)
            }
            XCTAssertEqual(source.bandStats.completed > 0, bands)
            return out
        }
        let with = try pictures(bands: true), without = try pictures(bands: false)
        XCTAssertEqual(with.count, 25)
        XCTAssertTrue(with == without, "decoded pictures differ with the band callbacks attached")
    }

    /// A consumer asking for two sizes: the first keeps the band path, the other takes the
    /// whole-frame path; both give the whole-frame numbers.
    func testSecondSizeTakesTheWholeFramePath() throws {
        let path = try Fixtures.make("band-bframes.mp4", ["-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25", "-t", "1",
                                                          "-c:v", "libx264", "-g", "12", "-bf", "3", "-preset", "fast",
                                                          "-pix_fmt", "yuv420p", "OUT"])
        let source = try VideoSource(url: path, policy: .everyFrame)
        var frames = 0
        while let frame = try source.nextFrame() {
            let first = frame.planarRGB(width: 160, height: 90), second = frame.planarRGB(width: 127, height: 63)
            FrameScaler.bandPathEnabled = false
            XCTAssertEqual(first, frame.planarRGB(width: 160, height: 90))
            XCTAssertEqual(second, frame.planarRGB(width: 127, height: 63))
            FrameScaler.bandPathEnabled = true
            frames += 1
        }
        XCTAssertGreaterThanOrEqual(source.bandStats.served, frames - 6)
    }

    func testKeyframesModeUsesBands() throws {
        let path = try Fixtures.make("band-gop.mp4", ["-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25", "-t", "2",
                                                      "-c:v", "libx264", "-g", "5", "-bf", "2", "-pix_fmt", "yuv420p", "OUT"])
        let source = try VideoSource(url: path, policy: .keyframes)
        var keyframes = 0
        while let frame = try source.nextFrame() {
            let banded = frame.planarRGB(width: 160, height: 90)
            FrameScaler.bandPathEnabled = false
            XCTAssertEqual(banded, frame.planarRGB(width: 160, height: 90))
            FrameScaler.bandPathEnabled = true
            keyframes += 1
        }
        XCTAssertEqual(keyframes, 10)
        XCTAssertGreaterThanOrEqual(source.bandStats.served, keyframes - 4)   // 3 decoded before the first ask
    }

    /// No bands where they would be wasted or unsafe: a rate policy (drops most pictures),
    /// frame threading (callbacks on several threads, out of coded order) and slice threading.
    func testBandPathStaysOffForRatePolicyAndFrameThreads() throws {
        let path = try Fixtures.make("band-bframes.mp4", ["-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25", "-t", "1",
                                                          "-c:v", "libx264", "-g", "12", "-bf", "3", "-preset", "fast",
                                                          "-pix_fmt", "yuv420p", "OUT"])
        let rate = try VideoSource(url: path, policy: .rate(5))
        var threaded = VideoSourceOptions()
        threaded.threads = 2
        let frameThreads = try VideoSource(url: path, options: threaded, policy: .everyFrame)
        threaded.extra["thread_type"] = "slice"
        let sliceThreads = try VideoSource(url: path, options: threaded, policy: .everyFrame)
        for source in [rate, frameThreads, sliceThreads] {
            var n = 0
            while let frame = try source.nextFrame() {
                XCTAssertEqual(frame.planarRGB(width: 160, height: 90).count, 3 * 160 * 90)
                n += 1
            }
            XCTAssertGreaterThan(n, 0)
            XCTAssertEqual(source.bandStats.completed, 0)
        }
    }

    /// The tent path against the reference path (swscale straight to planar float) on a
    /// decoded picture, and the tent path against the swscale fast path it replaces.
    func testTentPathIsCloseToTheReference() throws {
        let path = try Fixtures.make("band-bframes.mp4", ["-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25", "-t", "1",
                                                          "-c:v", "libx264", "-g", "12", "-bf", "3", "-preset", "fast",
                                                          "-pix_fmt", "yuv420p", "OUT"])
        let frame = try XCTUnwrap(try VideoSource(url: path, policy: .everyFrame).nextFrame())
        for (w, h) in [(160, 90), (127, 63), (320, 180)] {
            let tent = frame.planarRGB(width: w, height: h)
            FrameScaler.tentPathEnabled = false
            let swscale = frame.planarRGB(width: w, height: h)
            FrameScaler.fastPathEnabled = false
            let reference = frame.planarRGB(width: w, height: h)
            FrameScaler.fastPathEnabled = true
            FrameScaler.tentPathEnabled = true
            for (name, other) in [("reference", reference), ("swscale fast path", swscale)] {
                let mean = zip(tent, other).map { abs($0 - $1) }.reduce(0, +) / Float(tent.count)
                XCTAssertLessThan(mean, Tolerance.tentVersusReferenceMean, "\(w)x\(h) vs \(name)")
            }
            XCTAssertTrue(tent.allSatisfy { $0 >= 0 && $0 <= 1 })
        }
    }
}
