import Foundation
import XCTest
@testable import VideoIO

/// Crops of a decoded frame resized to the model input (tiled detection).
final class VideoFrameCropTests: XCTestCase {
    /// A 4:2:0 H.264 frame of four quadrants: red | blue over green | white (256×128).
    private func quadrants() throws -> VideoFrame {
        let path = try Fixtures.make("quadrants.mp4", [
            "-f", "lavfi", "-i", "color=c=red:s=128x64", "-f", "lavfi", "-i", "color=c=blue:s=128x64",
            "-f", "lavfi", "-i", "color=c=0x00FF00:s=128x64", "-f", "lavfi", "-i", "color=c=white:s=128x64",
            "-filter_complex", "[0][1]hstack[t];[2][3]hstack[b];[t][b]vstack", "-frames:v", "1",
            "-c:v", "libx264", "-qp", "0", "-pix_fmt", "yuv420p", "OUT"])
        return try XCTUnwrap(try VideoSource(url: path).nextFrame())
    }

    private func mean(_ t: [Float], _ c: Int, _ w: Int, _ h: Int) -> Float {
        t[(c * w * h)..<((c + 1) * w * h)].reduce(0, +) / Float(w * h)
    }

    func testEachQuadrantCropHoldsOnlyItsColour() throws {
        let f = try quadrants()
        XCTAssertEqual(f.width, 256)
        XCTAssertEqual(f.height, 128)
        let (w, h) = (32, 18)
        let expected: [(x: Int, y: Int, rgb: [Float])] = [(0, 0, [1, 0, 0]), (128, 0, [0, 0, 1]), (0, 64, [0, 1, 0]), (128, 64, [1, 1, 1])]
        for q in expected {
            // Inset by 8 px so that chroma blending across the quadrant seam stays outside.
            let t = try XCTUnwrap(f.planarRGB(width: w, height: h, cropX: q.x + 8, cropY: q.y + 8, cropWidth: 112, cropHeight: 48))
            XCTAssertEqual(t.count, 3 * w * h)
            for c in 0..<3 {
                XCTAssertEqual(mean(t, c, w, h), q.rgb[c], accuracy: 0.03, "quadrant at \(q.x),\(q.y), channel \(c)")
                let plane = t[(c * w * h)..<((c + 1) * w * h)]
                XCTAssertEqual(plane.max()! - plane.min()!, 0, accuracy: 0.06, "one colour across the crop")
            }
        }
    }

    func testCropIsClampedAndAlignedAndEmptyIsNil() throws {
        let f = try quadrants()
        // Starts at an odd pixel and runs past the right and bottom edges: clamped to the white quadrant.
        let t = try XCTUnwrap(f.planarRGB(width: 8, height: 8, cropX: 137, cropY: 73, cropWidth: 500, cropHeight: 500))
        for c in 0..<3 { XCTAssertEqual(mean(t, c, 8, 8), 1, accuracy: 0.03) }
        // A crop straddling the red/blue seam holds both colours, left red and right blue.
        let s = try XCTUnwrap(f.planarRGB(width: 16, height: 4, cropX: 64, cropY: 8, cropWidth: 128, cropHeight: 40))
        XCTAssertEqual(s[0 * 64 + 1], 1, accuracy: 0.05)          // R at column 1
        XCTAssertEqual(s[2 * 64 + 14], 1, accuracy: 0.05)         // B at column 14
        XCTAssertNil(f.planarRGB(width: 8, height: 8, cropX: 300, cropY: 0, cropWidth: 10, cropHeight: 10))
        XCTAssertNil(f.planarRGB(width: 8, height: 8, cropX: 10, cropY: 10, cropWidth: 0, cropHeight: 10))
        // The whole picture through the crop path agrees with the whole-frame conversion.
        let whole = try XCTUnwrap(f.planarRGB(width: 64, height: 32, cropX: 0, cropY: 0, cropWidth: 256, cropHeight: 128))
        let ref = f.planarRGB(width: 64, height: 32)
        // (Seams blend a little differently: the whole-frame path halves first.)
        let diff = zip(whole, ref).map { abs($0 - $1) }.reduce(0, +) / Float(ref.count)
        XCTAssertLessThan(diff, 0.02)
    }
}
