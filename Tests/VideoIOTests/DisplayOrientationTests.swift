import CFFmpeg
import XCTest
@testable import VideoIO

/// Display matrices read as quarter turns (with or without a mirror), and the plane-turning
/// kernel against turning done the obvious way.
final class DisplayOrientationTests: XCTestCase {
    private let one: Int32 = 1 << 16, w: Int32 = 1 << 30

    private func matrix(_ a: Int32, _ b: Int32, _ c: Int32, _ d: Int32) -> [Int32] { [a, b, 0, c, d, 0, 0, 0, w] }

    /// Matrices as FFmpeg and cameras write them (`av_display_rotation_set` in FFmpeg 5.1 and the
    /// `tkhd` of a portrait phone clip), with how `ffplay` shows each.
    func testQuarterTurnMatrices() {
        XCTAssertEqual(DisplayOrientation(displayMatrix: matrix(one, 0, 0, one)), .upright)
        // A phone held upright: the sensor's picture is turned 90° clockwise to show it.
        XCTAssertEqual(DisplayOrientation(displayMatrix: matrix(0, one, -one, 0)), DisplayOrientation(clockwise: 90))
        // What ffmpeg 5.1's `-metadata:s:v rotate=90` writes; ffplay shows it turned counter-clockwise.
        XCTAssertEqual(DisplayOrientation(displayMatrix: matrix(0, -one, one, 0)), DisplayOrientation(clockwise: 270))
        XCTAssertEqual(DisplayOrientation(displayMatrix: matrix(-one, 0, 0, -one)), DisplayOrientation(clockwise: 180))
        XCTAssertEqual(DisplayOrientation(displayMatrix: matrix(-one, 0, 0, one)), DisplayOrientation(clockwise: 0, mirrored: true))
        XCTAssertEqual(DisplayOrientation(displayMatrix: matrix(one, 0, 0, -one)), DisplayOrientation(clockwise: 180, mirrored: true))
        XCTAssertEqual(DisplayOrientation(displayMatrix: matrix(0, one, one, 0)), DisplayOrientation(clockwise: 270, mirrored: true))
        XCTAssertEqual(DisplayOrientation(displayMatrix: matrix(0, -one, -one, 0)), DisplayOrientation(clockwise: 90, mirrored: true))
        // A scale (pixel aspect ratio) and a rounding of 0 within 1° are still quarter turns.
        XCTAssertEqual(DisplayOrientation(displayMatrix: matrix(0, 2 * one, -one, 0)), DisplayOrientation(clockwise: 90))
        XCTAssertEqual(DisplayOrientation(displayMatrix: matrix(1100, one, -one, 1100)), DisplayOrientation(clockwise: 90))
        XCTAssertEqual(DisplayOrientation(clockwise: -90), DisplayOrientation(clockwise: 270))
        XCTAssertEqual(DisplayOrientation(clockwise: 450).clockwise, 90)
        XCTAssertTrue(DisplayOrientation(clockwise: 90).swapsSides)
        XCTAssertFalse(DisplayOrientation(clockwise: 180, mirrored: true).swapsSides)
    }

    func testOtherMatricesAreNotQuarterTurns() {
        // 45° as av_display_rotation_set writes it; 2° off a quarter turn; a shear; perspective;
        // nothing at all; the wrong length.
        XCTAssertNil(DisplayOrientation(displayMatrix: matrix(46340, 46340, -46340, 46340)))
        XCTAssertNil(DisplayOrientation(displayMatrix: matrix(2287, one, -one, 2287)))
        XCTAssertNil(DisplayOrientation(displayMatrix: matrix(one, one, 0, one)))
        XCTAssertNil(DisplayOrientation(displayMatrix: [one, 0, 5, 0, one, 0, 0, 0, w]))
        XCTAssertNil(DisplayOrientation(displayMatrix: matrix(0, 0, 0, 0)))
        XCTAssertNil(DisplayOrientation(displayMatrix: [one, 0, 0, 0, one, 0]))
    }

    /// Which pixel formats turn plane by plane (bytes per pixel, chroma shifts) and which go
    /// through RGB24 first.
    func testPlaneLayouts() {
        func layout(_ f: AVPixelFormat, transpose: Bool) -> [[Int]]? {
            DisplayOrientation.planes(of: f, transpose: transpose)?.map { [$0.bytesPerPixel, $0.shiftX, $0.shiftY] }
        }
        XCTAssertEqual(layout(AV_PIX_FMT_YUV420P, transpose: true), [[1, 0, 0], [1, 1, 1], [1, 1, 1]])
        XCTAssertEqual(layout(AV_PIX_FMT_YUV420P10LE, transpose: true), [[2, 0, 0], [2, 1, 1], [2, 1, 1]])
        XCTAssertEqual(layout(AV_PIX_FMT_NV12, transpose: true), [[1, 0, 0], [2, 1, 1]])
        XCTAssertEqual(layout(AV_PIX_FMT_RGB24, transpose: true), [[3, 0, 0]])
        XCTAssertEqual(layout(AV_PIX_FMT_GBRP, transpose: true), [[1, 0, 0], [1, 0, 0], [1, 0, 0]])
        XCTAssertEqual(layout(AV_PIX_FMT_YUVA420P, transpose: true), [[1, 0, 0], [1, 1, 1], [1, 1, 1], [1, 0, 0]])
        XCTAssertEqual(layout(AV_PIX_FMT_GRAY8, transpose: true), [[1, 0, 0]])
        XCTAssertEqual(layout(AV_PIX_FMT_YUVJ422P, transpose: false), [[1, 0, 0], [1, 1, 0], [1, 1, 0]])
        XCTAssertNil(layout(AV_PIX_FMT_YUVJ422P, transpose: true), "4:2:2 would become 4:4:0")
        XCTAssertNil(layout(AV_PIX_FMT_YUYV422, transpose: false), "luma and chroma step differently")
        XCTAssertNil(layout(AV_PIX_FMT_PAL8, transpose: false))
        XCTAssertNil(layout(AV_PIX_FMT_MONOBLACK, transpose: false))
        XCTAssertNil(layout(AV_PIX_FMT_BAYER_RGGB8, transpose: false))
    }

    /// The picture mirrored (each row reversed) when asked, then turned a quarter clockwise
    /// `clockwise / 90` times, one pixel at a time.
    private func plainTurn(_ p: [UInt8], _ width: Int, _ height: Int, _ bpp: Int, _ o: DisplayOrientation) -> [UInt8] {
        var (pic, w, h) = (p, width, height)
        func px(_ x: Int, _ y: Int) -> ArraySlice<UInt8> { pic[((y * w + x) * bpp)..<((y * w + x + 1) * bpp)] }
        if o.mirrored {
            pic = (0..<h).flatMap { y in (0..<w).flatMap { x in px(w - 1 - x, y) } }
        }
        for _ in 0..<(o.clockwise / 90) {
            // Clockwise: the new row Y is the old column Y read bottom to top.
            pic = (0..<w).flatMap { y in (0..<h).flatMap { x in px(y, h - 1 - x) } }
            (w, h) = (h, w)
        }
        return pic
    }

    func testTurnPlaneMatchesPlainTurningAtOddSizes() {
        var state: UInt64 = 7
        let sizes = [(1, 1), (1, 3), (3, 1), (7, 13), (13, 7), (33, 5), (127, 3), (40, 65)]
        for (w, h) in sizes {
            for bpp in [1, 2, 3, 4, 6] {
                let plane = (0..<(w * h * bpp)).map { _ -> UInt8 in
                    state = state &* 6364136223846793005 &+ 1442695040888963407
                    return UInt8(truncatingIfNeeded: state >> 56)
                }
                for mirrored in [false, true] {
                    for clockwise in [0, 90, 180, 270] {
                        let o = DisplayOrientation(clockwise: clockwise, mirrored: mirrored)
                        XCTAssertEqual(o.turn(plane: plane, width: w, height: h, bytesPerPixel: bpp),
                                       plainTurn(plane, w, h, bpp, o), "\(w)x\(h), \(bpp) byte(s) per pixel, \(o)")
                    }
                }
            }
        }
    }
}
