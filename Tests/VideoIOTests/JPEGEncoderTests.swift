import Foundation
import XCTest
@testable import VideoIO

final class JPEGEncoderTests: XCTestCase {
    func testEncodesAJPEGThatDecodesBackToTheSameColours() throws {
        var pixels = [UInt8](repeating: 0, count: 64 * 48 * 3)
        for y in 0..<48 {
            for x in 0..<64 {
                let i = (y * 64 + x) * 3
                if x < 32 { pixels[i] = 250; pixels[i + 1] = 20; pixels[i + 2] = 20 } else { pixels[i + 2] = 240 }
            }
        }
        let image = RGBImage(width: 64, height: 48, pixels: pixels)
        let jpeg = try JPEGEncoder.encode(image, quality: 90)
        XCTAssertEqual(Array(jpeg.prefix(2)), [0xFF, 0xD8])
        XCTAssertEqual(Array(jpeg.suffix(2)), [0xFF, 0xD9])
        let path = try Fixtures.write(jpeg, to: "encoded.jpg")
        let back = try XCTUnwrap(try VideoSource(url: path).nextFrame()).rgbImage()
        XCTAssertEqual(back.width, 64)
        XCTAssertEqual(back.height, 48)
        XCTAssertEqual(Int(back[8, 24].r), 250, accuracy: 12)
        XCTAssertEqual(Int(back[8, 24].g), 20, accuracy: 12)
        XCTAssertEqual(Int(back[56, 24].b), 240, accuracy: 12)
        XCTAssertEqual(Int(back[56, 24].r), 0, accuracy: 12)
    }

    func testEncodesAFullResolutionFrameWithOddSize() throws {
        let path = try Fixtures.make("odd.png", ["-f", "lavfi", "-i", "testsrc2=size=320x180", "-vf", "scale=161:91", "-frames:v", "1", "OUT"])
        let image = try XCTUnwrap(try VideoSource(url: path).nextFrame()).rgbImage()
        XCTAssertEqual(image.width, 161)
        let jpeg = try JPEGEncoder.encode(image)
        let small = try JPEGEncoder.encode(image, quality: 10)
        XCTAssertLessThan(small.count, jpeg.count * 3 / 4, "lower quality, fewer bytes")
        let back = try VideoSource(url: try Fixtures.write(jpeg, to: "odd.jpg"))
        XCTAssertEqual(back.width, 161)
        XCTAssertEqual(back.height, 91)
    }
}
