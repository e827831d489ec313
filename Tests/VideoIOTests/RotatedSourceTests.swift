import Foundation
import XCTest
@testable import VideoIO

/// Clips whose display matrix says to turn the picture (phones, gimbals) are handed out upright,
/// as players show them: compared with the same clip turned by ffmpeg's own filters, and by
/// where two marked corners land.
///
/// The source is lossless H.264 (qp 0), 160×96: testsrc2 with a white 40×24 block in its
/// top-left corner and a black 24×24 block in its top-right one. Every reference is decoded
/// from a lossless encode too, so a turned frame must equal it exactly.
final class RotatedSourceTests: XCTestCase {
    private static let lossless = ["-c:v", "libx264", "-preset", "ultrafast", "-qp", "0", "-g", "5", "-pix_fmt", "yuv420p"]

    private func source() throws -> String {
        try Fixtures.make("turn-source.mp4", ["-f", "lavfi", "-i", "testsrc2=size=160x96:rate=10", "-t", "1", "-vf",
                                              "drawbox=x=0:y=0:w=40:h=24:color=white:t=fill,drawbox=x=136:y=0:w=24:h=24:color=black:t=fill"]
                          + Self.lossless + ["OUT"])
    }

    enum Corner { case topLeft, topRight, bottomLeft, bottomRight }

    /// Decodes `path` and `reference` every frame and checks they hand out the same pictures, the
    /// first at the size and in the orientation given.
    private func check(_ path: String, against reference: String, orientation: DisplayOrientation,
                       size: (Int, Int), white: Corner, black: Corner, file: StaticString = #filePath, line: UInt = #line) throws {
        let turned = try VideoSource(url: path, policy: .everyFrame)
        let upright = try VideoSource(url: reference, policy: .everyFrame)
        XCTAssertEqual(turned.orientation, orientation, file: file, line: line)
        XCTAssertNil(turned.ignoredRotation, file: file, line: line)
        XCTAssertEqual(upright.orientation, .upright, "ffmpeg's autorotate leaves no matrix", file: file, line: line)
        XCTAssertEqual([turned.width, turned.height], [size.0, size.1], file: file, line: line)
        var frames = 0
        while let a = try turned.nextFrame() {
            let b = try XCTUnwrap(try upright.nextFrame(), file: file, line: line)
            frames += 1
            XCTAssertEqual([a.width, a.height], [size.0, size.1], file: file, line: line)
            let image = a.rgbImage()
            // (XCTAssertTrue: a failure would print thousands of values.)
            XCTAssertTrue(image.pixels == b.rgbImage().pixels, "frame \(frames): evidence image differs", file: file, line: line)
            let (w, h) = (a.width / 4, a.height / 4)
            XCTAssertTrue(a.planarRGB(width: w, height: h) == b.planarRGB(width: w, height: h),
                          "frame \(frames): model input differs", file: file, line: line)
            let crop = (x: 6, y: 10, w: 40, h: 30)
            XCTAssertTrue(a.planarRGB(width: 16, height: 16, cropX: crop.x, cropY: crop.y, cropWidth: crop.w, cropHeight: crop.h)
                          == b.planarRGB(width: 16, height: 16, cropX: crop.x, cropY: crop.y, cropWidth: crop.w, cropHeight: crop.h),
                          "frame \(frames): tile crop differs", file: file, line: line)
            checkCorners(image, white: white, black: black, "frame \(frames)", file: file, line: line)
        }
        XCTAssertEqual(frames, 10, file: file, line: line)
        XCTAssertNil(try upright.nextFrame(), file: file, line: line)
        // The reference's model inputs came from the band path, the turned ones from whole frames.
        XCTAssertGreaterThan(upright.bandStats.served, 0, file: file, line: line)
        if orientation != .upright {
            XCTAssertEqual(turned.bandStats.completed, 0, "turned pictures are scaled from the whole frame", file: file, line: line)
        }
    }

    /// Checks the pixels 4 in from the marked corners (whatever any reference says).
    private func checkCorners(_ image: RGBImage, white: Corner, black: Corner, _ what: String,
                              file: StaticString = #filePath, line: UInt = #line) {
        func pixel(_ c: Corner) -> [UInt8] {
            let x = c == .topLeft || c == .bottomLeft ? 4 : image.width - 5
            let y = c == .topLeft || c == .topRight ? 4 : image.height - 5
            return Array(image.pixels[(3 * (y * image.width + x))..<(3 * (y * image.width + x) + 3)])
        }
        XCTAssertTrue(pixel(white).allSatisfy { $0 > 220 }, "\(what): white corner \(white): \(pixel(white))", file: file, line: line)
        XCTAssertTrue(pixel(black).allSatisfy { $0 < 35 }, "\(what): black corner \(black): \(pixel(black))", file: file, line: line)
    }

    /// The ffmpeg 5.1 CLI tags a stream copy with `rotate=N` as a display matrix that players,
    /// and the CLI's own autorotate, show turned N° counter-clockwise (`ffprobe` says
    /// `rotation=N`). The reference is that autorotate's output.
    func testRotateTagsShowAsFFmpegShowsThem() throws {
        let src = try source()
        let cases: [(tag: Int, clockwise: Int, size: (Int, Int), white: Corner, black: Corner)] = [
            (0, 0, (160, 96), .topLeft, .topRight),
            (90, 270, (96, 160), .bottomLeft, .topLeft),
            (180, 180, (160, 96), .bottomRight, .bottomLeft),
            (270, 90, (96, 160), .topRight, .bottomRight),
        ]
        for c in cases {
            let tagged = try Fixtures.make("turn-tag-\(c.tag).mp4", ["-i", src, "-c", "copy", "-metadata:s:v:0", "rotate=\(c.tag)", "OUT"])
            let reference = try Fixtures.make("turn-tag-\(c.tag)-autorotated.mp4", ["-i", tagged] + Self.lossless + ["OUT"])
            try check(tagged, against: reference, orientation: DisplayOrientation(clockwise: c.clockwise),
                      size: c.size, white: c.white, black: c.black)
        }
    }

    /// Mirrored matrices (written into the clip's `tkhd`: the 5.1 CLI cannot write them) against
    /// ffmpeg's flip and transpose filters.
    func testMirroredMatricesShowAsTheirFlip() throws {
        let src = try source()
        let one: Int32 = 1 << 16
        let cases: [(name: String, abcd: [Int32], filter: String, o: DisplayOrientation, size: (Int, Int), white: Corner, black: Corner)] = [
            ("hflip", [-one, 0, 0, one], "hflip", .init(clockwise: 0, mirrored: true), (160, 96), .topRight, .topLeft),
            ("vflip", [one, 0, 0, -one], "vflip", .init(clockwise: 180, mirrored: true), (160, 96), .bottomLeft, .bottomRight),
            ("transpose", [0, one, one, 0], "transpose=cclock_flip", .init(clockwise: 270, mirrored: true), (96, 160), .topLeft, .bottomLeft),
            ("antitranspose", [0, -one, -one, 0], "transpose=clock_flip", .init(clockwise: 90, mirrored: true), (96, 160), .bottomRight, .topRight),
        ]
        for c in cases {
            let m = [c.abcd[0], c.abcd[1], 0, c.abcd[2], c.abcd[3], 0, 0, 0, 1 << 30]
            let path = Fixtures.path("turn-\(c.name).mp4")
            var bytes = try Fixtures.bytes(src)
            try Self.setDisplayMatrix(m, in: &bytes)
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let reference = try Fixtures.make("turn-\(c.name)-reference.mp4", ["-i", src, "-vf", c.filter] + Self.lossless + ["OUT"])
            try check(path, against: reference, orientation: c.o, size: c.size, white: c.white, black: c.black)
        }
    }

    /// MJPEG's 4:2:2 would turn into 4:4:0 a quarter turn: it goes through RGB24 first. Half a
    /// turn keeps 4:2:2 and turns its planes as they are.
    func testUnevenChromaTurnsThroughRGB() throws {
        let src = try Fixtures.make("turn-source-422.mov", ["-i", try source(), "-c:v", "mjpeg", "-q:v", "2", "-pix_fmt", "yuvj422p", "OUT"])
        for (tag, size, white, black) in [(90, (96, 160), Corner.bottomLeft, Corner.topLeft), (180, (160, 96), .bottomRight, .bottomLeft)] {
            let tagged = try Fixtures.make("turn-422-\(tag).mov", ["-i", src, "-c", "copy", "-metadata:s:v:0", "rotate=\(tag)", "OUT"])
            let s = try VideoSource(url: tagged, policy: .everyFrame)
            var frames = 0
            while let f = try s.nextFrame() {
                frames += 1
                XCTAssertEqual([f.width, f.height], [size.0, size.1])
                checkCorners(f.rgbImage(), white: white, black: black, "rotate=\(tag), frame \(frames)")
                let input = f.planarRGB(width: 24, height: 24)
                XCTAssertTrue(input.allSatisfy { $0 >= 0 && $0 <= 1 } && Set(input).count > 10, "a picture, in 0…1")
            }
            XCTAssertEqual(frames, 10)
        }
    }

    /// A matrix that is no quarter turn (45°) is ignored: the pictures come as decoded.
    func testOtherAnglesAreIgnored() throws {
        let src = try source()
        var bytes = try Fixtures.bytes(src)
        try Self.setDisplayMatrix([46340, 46340, 0, -46340, 46340, 0, 0, 0, 1 << 30], in: &bytes)
        let path = Fixtures.path("turn-45.mp4")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let tilted = try VideoSource(url: path, policy: .everyFrame)
        XCTAssertEqual(tilted.orientation, .upright)
        XCTAssertEqual(try XCTUnwrap(tilted.ignoredRotation), 45, accuracy: 0.01)
        // A degenerate matrix (all zeros, as a broken muxer writes) names no angle: NaN, and
        // the pictures come as decoded too.
        var zeroBytes = try Fixtures.bytes(src)
        try Self.setDisplayMatrix([0, 0, 0, 0, 0, 0, 0, 0, 0], in: &zeroBytes)
        let zeroPath = Fixtures.path("turn-zero.mp4")
        try Data(zeroBytes).write(to: URL(fileURLWithPath: zeroPath))
        let zero = try VideoSource(url: zeroPath, policy: .everyFrame)
        XCTAssertEqual(zero.orientation, .upright)
        XCTAssertTrue(try XCTUnwrap(zero.ignoredRotation).isNaN)
        XCTAssertEqual([zero.width, zero.height], [160, 96])
        let plain = try VideoSource(url: src, policy: .everyFrame)
        XCTAssertNil(plain.ignoredRotation)
        var frames = 0
        while let a = try tilted.nextFrame() {
            let b = try XCTUnwrap(try plain.nextFrame())
            frames += 1
            XCTAssertEqual([a.width, a.height], [160, 96])
            XCTAssertTrue(a.rgbImage().pixels == b.rgbImage().pixels, "frame \(frames) differs")
        }
        XCTAssertEqual(frames, 10)
    }

    /// Writes `matrix` (a b u / c d v / x y w, big-endian as MP4 stores it) into the first
    /// track header (`moov/trak/tkhd`) of an MP4 file's bytes.
    static func setDisplayMatrix(_ matrix: [Int32], in bytes: inout [UInt8]) throws {
        func u32(_ i: Int) -> Int { (0..<4).reduce(0) { $0 << 8 | Int(bytes[i + $1]) } }
        /// The contents of the first box of `type` directly inside `range`.
        func child(_ type: String, in range: Range<Int>) -> Range<Int>? {
            var i = range.lowerBound
            while i + 8 <= range.upperBound {
                let size = u32(i)
                guard size >= 8, i + size <= range.upperBound else { return nil }
                if String(decoding: bytes[(i + 4)..<(i + 8)], as: UTF8.self) == type { return (i + 8)..<(i + size) }
                i += size
            }
            return nil
        }
        let tkhd = try XCTUnwrap(child("moov", in: 0..<bytes.count).flatMap { child("trak", in: $0) }.flatMap { child("tkhd", in: $0) },
                                 "an MP4 with a track header")
        // version+flags, times/ids/duration (20 or 32 bytes), reserved 8, layer, group, volume, reserved.
        let at = tkhd.lowerBound + 4 + (bytes[tkhd.lowerBound] == 1 ? 32 : 20) + 16
        XCTAssertLessThanOrEqual(at + 36, tkhd.upperBound)
        for (k, v) in matrix.enumerated() {
            for b in 0..<4 { bytes[at + 4 * k + b] = UInt8(truncatingIfNeeded: UInt32(bitPattern: v) >> (24 - 8 * b)) }
        }
    }
}
