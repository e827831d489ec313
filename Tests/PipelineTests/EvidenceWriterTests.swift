import CaseStore
import Foundation
import XCTest
@testable import Pipeline

final class EvidenceWriterTests: XCTestCase {
    func testNeverOverwrites() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sw-ev-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let w = EvidenceWriter(root: dir)
        let a = try w.write([1, 2, 3], sub: "cam", name: "e1-frame", kind: .frame, width: 1, height: 1)
        XCTAssertEqual(a.path, "evidence/cam/e1-frame.jpg")
        XCTAssertEqual(a.sha256, SHA256.hex([1, 2, 3] as [UInt8]))
        // Same content again (a re-run): same file, untouched.
        let again = try w.write([1, 2, 3], sub: "cam", name: "e1-frame", kind: .frame, width: 1, height: 1)
        XCTAssertEqual(again.path, a.path)
        // Other content, same name: a new file; the first keeps its bytes.
        let b = try w.write([9, 9], sub: "cam", name: "e1-frame", kind: .frame, width: 1, height: 1)
        XCTAssertEqual(b.path, "evidence/cam/e1-frame-1.jpg")
        XCTAssertEqual(try Data(contentsOf: dir.appendingPathComponent(a.path)), Data([1, 2, 3]))
        XCTAssertEqual(try Data(contentsOf: dir.appendingPathComponent(b.path)), Data([9, 9]))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("evidence/cam").path)
        XCTAssertEqual(leftovers.sorted(), ["e1-frame-1.jpg", "e1-frame.jpg"], "no temporary files left")
    }

    /// A file where a camera's evidence folder should be: the reason says so (not "File exists").
    func testAFileInPlaceOfTheCameraFolderIsNamed() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sw-ev-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("evidence"), withIntermediateDirectories: true)
        try Data("x".utf8).write(to: dir.appendingPathComponent("evidence/cam"))
        XCTAssertThrowsError(try EvidenceWriter(root: dir).write([1], sub: "cam", name: "e", kind: .frame, width: 1, height: 1)) { e in
            XCTAssertEqual("\(e)", "cannot write evidence to \(dir.appendingPathComponent("evidence/cam").path): is a file, not a folder")
        }
    }

    func testCanvasBoxAndCrop() {
        var c = RGBCanvas(width: 20, height: 10, pixels: [UInt8](repeating: 0, count: 600))
        c.strokeBox(x1: 0.25, y1: 0.2, x2: 0.75, y2: 0.8, color: (255, 0, 0), thickness: 1)
        func px(_ x: Int, _ y: Int) -> UInt8 { c.pixels[(y * 20 + x) * 3] }
        XCTAssertEqual(px(5, 2), 255)   // top-left corner
        XCTAssertEqual(px(14, 7), 255)  // bottom-right corner
        XCTAssertEqual(px(10, 5), 0)    // inside stays
        XCTAssertEqual(px(0, 0), 0)
        let crop = c.crop(x1: 0.25, y1: 0.2, x2: 0.75, y2: 0.8, margin: 0)
        XCTAssertEqual(crop.width, 10); XCTAssertEqual(crop.height, 6)
        XCTAssertEqual(crop.pixels[0], 255)
    }
}
