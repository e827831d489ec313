import Foundation
import XCTest
@testable import VideoIO

/// Conversions of a decoded frame: planar float for the model, RGB24 for evidence.
final class VideoFrameTests: XCTestCase {
    /// A PNG whose left half is pure red and right half pure blue (lossless, so colours are exact).
    private func redBlue() throws -> VideoFrame {
        let path = try Fixtures.make("redblue.png", ["-f", "lavfi", "-i", "color=c=red:s=64x32", "-f", "lavfi",
                                                     "-i", "color=c=blue:s=64x32", "-filter_complex", "hstack",
                                                     "-frames:v", "1", "OUT"])
        return try XCTUnwrap(try VideoSource(url: path).nextFrame())
    }

    func testPlanarRGBIsCHWInZeroToOne() throws {
        let frame = try redBlue()
        XCTAssertEqual(frame.width, 128)
        XCTAssertEqual(frame.height, 32)
        let (w, h) = (16, 4)
        let t = frame.planarRGB(width: w, height: h)
        XCTAssertEqual(t.count, 3 * w * h)
        XCTAssertTrue(t.allSatisfy { $0 >= -0.001 && $0 <= 1.001 })
        func at(_ c: Int, _ y: Int, _ x: Int) -> Float { t[c * w * h + y * w + x] }
        for y in 0..<h {
            // Left columns red, right columns blue; the seam column may blend.
            XCTAssertEqual(at(0, y, 1), 1, accuracy: 0.02)
            XCTAssertEqual(at(1, y, 1), 0, accuracy: 0.02)
            XCTAssertEqual(at(2, y, 1), 0, accuracy: 0.02)
            XCTAssertEqual(at(0, y, 14), 0, accuracy: 0.02)
            XCTAssertEqual(at(1, y, 14), 0, accuracy: 0.02)
            XCTAssertEqual(at(2, y, 14), 1, accuracy: 0.02)
        }
    }

    /// The reused, aligned buffer gets exactly the floats `planarRGB(width:height:)` returns,
    /// frame after frame (fast path on a 1080p-like clip, swscale path on a small PNG).
    func testPlanarRGBIntoAReusedBufferMatchesTheArray() throws {
        let path = try Fixtures.clip("scale.mp4", seconds: 1)
        let source = try VideoSource(url: path, policy: .everyFrame)
        let buffer = PlanarBuffer(width: 64, height: 36)
        XCTAssertEqual(Int(bitPattern: buffer.pointer) % 64, 0)
        var frames = 0
        while let frame = try source.nextFrame(), frames < 5 {
            frame.planarRGB(width: 64, height: 36, into: buffer.pointer)
            XCTAssertEqual(Array(buffer.buffer), frame.planarRGB(width: 64, height: 36))
            frames += 1
        }
        XCTAssertEqual(frames, 5)
        let png = try redBlue()
        let small = PlanarBuffer(width: 16, height: 4)
        png.planarRGB(width: 16, height: 4, into: small.pointer)
        XCTAssertEqual(Array(small.buffer), png.planarRGB(width: 16, height: 4))
    }

    func testPlanarRGBFromYUVVideoMatchesItsRGBImage() throws {
        let path = try Fixtures.clip("scale.mp4", seconds: 1)
        let frame = try XCTUnwrap(try VideoSource(url: path).nextFrame())
        // Same size as the source: the float planes must agree with RGB24 within rounding.
        let t = frame.planarRGB(width: frame.width, height: frame.height)
        let img = frame.rgbImage()
        let plane = frame.width * frame.height
        var worst: Float = 0
        for i in stride(from: 0, to: plane, by: 97) {
            for c in 0..<3 {
                worst = max(worst, abs(t[c * plane + i] - Float(img.pixels[i * 3 + c]) / 255))
            }
        }
        XCTAssertLessThan(worst, 0.03)
        let small = frame.planarRGB(width: 512, height: 288)
        XCTAssertEqual(small.count, 3 * 512 * 288)
    }

    func testRGBImageIsFullResolution() throws {
        let frame = try redBlue()
        let img = frame.rgbImage()
        XCTAssertEqual(img.width, 128)
        XCTAssertEqual(img.height, 32)
        XCTAssertEqual(img.pixels.count, 128 * 32 * 3)
        // lavfi's colour sources are YUV, so "red" reaches the PNG as about (253, 0, 0).
        XCTAssertGreaterThanOrEqual(img[10, 5].r, 250)
        XCTAssertLessThanOrEqual(img[10, 5].b, 3)
        XCTAssertGreaterThanOrEqual(img[100, 5].b, 250)
        XCTAssertLessThanOrEqual(img[100, 5].r, 3)
    }

    func testFramesOutliveTheirSource() throws {
        let path = try Fixtures.clip("outlive.mp4", seconds: 1)
        var frame: VideoFrame?
        do { frame = try VideoSource(url: path).nextFrame() }
        XCTAssertEqual(frame?.rgbImage().pixels.count, 320 * 240 * 3)
    }
}

/// The fast planar path (box halving + one swscale call + Y'CbCr→RGB) against the reference
/// path (one swscale call straight to planar float).
final class FastPlanarTests: XCTestCase {
    override func tearDown() { FrameScaler.fastPathEnabled = true; FrameScaler.allowAVX2Kernels(true) }

    private func both(_ frame: VideoFrame, _ w: Int, _ h: Int) -> (fast: [Float], reference: [Float]) {
        FrameScaler.fastPathEnabled = true
        let fast = frame.planarRGB(width: w, height: h)
        FrameScaler.fastPathEnabled = false
        let reference = frame.planarRGB(width: w, height: h)
        FrameScaler.fastPathEnabled = true
        return (fast, reference)
    }

    func testFastPathMatchesReferenceOnAPattern() throws {
        let path = try Fixtures.make("pattern720.mp4", ["-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=25", "-t", "0.2",
                                                        "-c:v", "libx264", "-preset", "ultrafast", "-qp", "10", "-pix_fmt", "yuv420p", "OUT"])
        let frame = try XCTUnwrap(try VideoSource(url: path).nextFrame())
        for (w, h) in [(512, 288), (320, 180), (127, 63)] {
            let (fast, reference) = both(frame, w, h)
            XCTAssertEqual(fast.count, 3 * w * h)
            XCTAssertTrue(fast.allSatisfy { $0 >= 0 && $0 <= 1 })
            let diffs = zip(fast, reference).map { abs($0 - $1) }
            let mean = diffs.reduce(0, +) / Float(diffs.count)
            // Different anti-aliasing filters: close on average, edges may differ more.
            XCTAssertLessThan(mean, 0.03, "\(w)x\(h)")
        }
    }

    /// The AVX2+FMA and baseline builds of the kernels agree (FMA rounding only). On a CPU
    /// without AVX2 both runs take the baseline build.
    func testKernelBuildsAgree() throws {
        let path = try Fixtures.make("pattern720.mp4", ["-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=25", "-t", "0.2",
                                                        "-c:v", "libx264", "-preset", "ultrafast", "-qp", "10", "-pix_fmt", "yuv420p", "OUT"])
        let frame = try XCTUnwrap(try VideoSource(url: path).nextFrame())
        for (w, h) in [(512, 288), (127, 63)] {
            FrameScaler.allowAVX2Kernels(true)
            let wide = frame.planarRGB(width: w, height: h)
            FrameScaler.allowAVX2Kernels(false)
            XCTAssertFalse(FrameScaler.kernelsUseAVX2)
            let base = frame.planarRGB(width: w, height: h)
            FrameScaler.allowAVX2Kernels(true)
            XCTAssertEqual(wide.count, base.count)
            let worst = zip(wide, base).map { abs($0 - $1) }.max() ?? 1
            XCTAssertLessThan(worst, 1e-5, "\(w)x\(h)")
        }
    }

    func testFastPathColoursAndOrientation() throws {
        // Left half red, right half blue, through H.264 4:2:0 (the fast path's input).
        let path = try Fixtures.make("redblue420.mp4", ["-f", "lavfi", "-i", "color=c=red:s=320x180", "-f", "lavfi",
                                                        "-i", "color=c=blue:s=320x180", "-filter_complex", "hstack,format=yuv420p",
                                                        "-frames:v", "1", "-c:v", "libx264", "-qp", "0", "OUT"])
        let frame = try XCTUnwrap(try VideoSource(url: path).nextFrame())
        let (w, h) = (64, 18)
        let (t, _) = both(frame, w, h)
        func at(_ c: Int, _ y: Int, _ x: Int) -> Float { t[c * w * h + y * w + x] }
        for y in [0, 9, 17] {
            XCTAssertEqual(at(0, y, 5), 1, accuracy: 0.03)
            XCTAssertEqual(at(1, y, 5), 0, accuracy: 0.03)
            XCTAssertEqual(at(2, y, 5), 0, accuracy: 0.03)
            XCTAssertEqual(at(0, y, 58), 0, accuracy: 0.03)
            XCTAssertEqual(at(2, y, 58), 1, accuracy: 0.03)
        }
    }

    func testBoxHalveRoundsAndHandlesOddWidths() {
        var src = [UInt8](repeating: 0, count: 2 * 14)
        for i in 0..<14 { src[i] = UInt8(i * 10); src[14 + i] = UInt8(i * 10 + 3) }
        var dst = [UInt8](repeating: 0, count: 7)
        src.withUnsafeBufferPointer { s in
            dst.withUnsafeMutableBufferPointer { d in
                FrameScaler.boxHalve(s.baseAddress!, stride: 14, into: d.baseAddress!, width: 7, height: 1)
            }
        }
        for x in 0..<7 {
            let sum = Int(src[2 * x]) + Int(src[2 * x + 1]) + Int(src[14 + 2 * x]) + Int(src[14 + 2 * x + 1])
            XCTAssertEqual(Int(dst[x]), (sum + 2) / 4)
        }
    }

    /// Wide rows take the vector kernel (AVX2 where the CPU has it: 32 outputs a step) and a
    /// scalar tail; every output must equal the rounded 2×2 mean, extremes included.
    func testBoxHalveVectorWidthsAndTail() {
        for avx2 in [true, false] { FrameScaler.allowAVX2Kernels(avx2); checkBoxHalveWide() }
    }

    private func checkBoxHalveWide() {
        let (w, h, stride) = (75, 3, 160)   // 2 vector steps + 11 tail outputs; stride > 2w
        var rng = SystemRandomNumberGenerator()
        var src = (0..<(stride * 2 * h)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        for i in 0..<8 { src[i] = 255; src[stride + i] = 255 }   // all-255 block: 255, no overflow
        var dst = [UInt8](repeating: 0, count: w * h)
        src.withUnsafeBufferPointer { s in
            dst.withUnsafeMutableBufferPointer { d in
                FrameScaler.boxHalve(s.baseAddress!, stride: stride, into: d.baseAddress!, width: w, height: h)
            }
        }
        for y in 0..<h {
            for x in 0..<w {
                let r0 = 2 * y * stride + 2 * x, r1 = r0 + stride
                let sum = Int(src[r0]) + Int(src[r0 + 1]) + Int(src[r1]) + Int(src[r1 + 1])
                XCTAssertEqual(Int(dst[y * w + x]), (sum + 2) / 4, "x \(x) y \(y)")
            }
        }
        XCTAssertEqual(dst[0], 255)
    }
}
