@testable import Detection
import Foundation
import NN
import XCTest

final class DetectorTests: XCTestCase {
    let classes = ["street_vending", "garbage", "illegal_ad"]

    /// A head with every cell zero except the ones set.
    func head(gh: Int = 4, gw: Int = 6, cells: [(gy: Int, gx: Int, values: [Float])]) -> Tensor {
        var t = Tensor(shape: [8, gh, gw])
        for cell in cells {
            for (c, v) in cell.values.enumerated() { t[c, cell.gy, cell.gx] = v }
        }
        return t
    }

    func testDecodeScoresBoxesAndThresholds() {
        // obj, offx, offy, w, h, cls×3
        let t = head(cells: [(1, 2, [0.9, 0.5, 0.5, 0.2, 0.4, 0.8, 0.1, 0.6]),
                             (3, 5, [0.5, 0.0, 1.0, 0.5, 0.5, 0.9, 0.0, 0.0])])
        let d = Detector.decode(t, classes: classes, thresholds: [0.5, 0.5, 0.5], nmsIoU: 0.45)
        XCTAssertEqual(d.scores["street_vending"]!, 0.72, accuracy: 1e-6)
        XCTAssertEqual(d.scores["garbage"]!, 0.09, accuracy: 1e-6)
        XCTAssertEqual(d.scores["illegal_ad"]!, 0.54, accuracy: 1e-6)
        // 0.72 vending and 0.54 ad pass; the second cell's 0.45 vending does not.
        XCTAssertEqual(d.regions.map(\.className), ["street_vending", "illegal_ad"])
        let b = d.regions[0].box
        XCTAssertEqual(b.x1, (2.5 / 6) - 0.1, accuracy: 1e-6)
        XCTAssertEqual(b.x2, (2.5 / 6) + 0.1, accuracy: 1e-6)
        XCTAssertEqual(b.y1, (1.5 / 4) - 0.2, accuracy: 1e-6)
        XCTAssertEqual(b.y2, (1.5 / 4) + 0.2, accuracy: 1e-6)
        // Lower threshold on vending admits the second cell, whose box is clamped to the image.
        let d2 = Detector.decode(t, classes: classes, thresholds: [0.4, 0.5, 0.5], nmsIoU: 0.45)
        let second = d2.regions.first { $0.score < 0.5 && $0.className == "street_vending" }!
        XCTAssertEqual(second.box.x2, 1)
        XCTAssertEqual(second.box.y2, 1)
    }

    func testPerClassNMS() {
        // Two overlapping cells for garbage; one overlapping cell of another class survives.
        let t = head(cells: [(1, 1, [1, 0.5, 0.5, 0.5, 0.5, 0, 0.9, 0]),
                             (1, 2, [1, 0.1, 0.5, 0.5, 0.5, 0, 0.8, 0]),
                             (2, 1, [1, 0.5, 0.1, 0.5, 0.5, 0.7, 0, 0])])
        let kept = Detector.decode(t, classes: classes, thresholds: [0.5, 0.5, 0.5], nmsIoU: 0.45).regions
        XCTAssertEqual(kept.filter { $0.className == "garbage" }.count, 1)
        XCTAssertEqual(kept.filter { $0.className == "garbage" }.first?.score, 0.9)
        XCTAssertEqual(kept.filter { $0.className == "street_vending" }.count, 1)
        let loose = Detector.decode(t, classes: classes, thresholds: [0.5, 0.5, 0.5], nmsIoU: 0.99).regions
        XCTAssertEqual(loose.filter { $0.className == "garbage" }.count, 2)
    }

    func testIoU() {
        let a = Box(x1: 0, y1: 0, x2: 0.5, y2: 0.5)
        XCTAssertEqual(a.iou(a), 1)
        XCTAssertEqual(a.iou(Box(x1: 0.5, y1: 0.5, x2: 1, y2: 1)), 0)
        XCTAssertEqual(a.iou(Box(x1: 0.25, y1: 0, x2: 0.75, y2: 0.5)), 1.0 / 3, accuracy: 1e-6)
    }

    /// End to end on the parity fixture model (a real exported detector with random weights).
    func testDetectOnExportedModel() throws {
        // The parity fixtures of NNTests, found beside this source file.
        let base = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../NNTests/Fixtures/tiny_fastestdet").standardized.path
        let detector = try Detector(model: Model.load(path: base))
        XCTAssertEqual(detector.classes, classes)
        let n = 3 * detector.inputHeight * detector.inputWidth
        let frame = (0..<n).map { Float($0 % 251) / 250 }
        let d = try detector.detect(planarRGB: frame)
        XCTAssertEqual(Set(d.scores.keys), Set(classes))
        for (_, s) in d.scores { XCTAssertTrue((0...1).contains(s)) }
        for r in d.regions {
            XCTAssertGreaterThanOrEqual(r.score, detector.thresholds[classes.firstIndex(of: r.className)!])
            XCTAssertTrue(r.box.x1 >= 0 && r.box.x2 <= 1 && r.box.x1 <= r.box.x2)
        }
        XCTAssertThrowsError(try detector.detect(planarRGB: [0, 1])) { XCTAssertTrue("\($0)".contains("needs 3×")) }
        // A head holding NaN (weights that overflowed) is an error, not a frame with nothing in it.
        var bad = head(cells: [])
        bad[1, 0, 0] = .nan
        XCTAssertThrowsError(try detector.decode(bad)) { XCTAssertTrue("\($0)".contains("NaN or infinite"), "\($0)") }
    }

    /// A model that cannot be a detector is one error at load naming its file (not its
    /// internal `name`, which may be the default model's), never one per frame.
    func testUnfitModelNamedByItsFileAtLoad() throws {
        let base = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../NNTests/Fixtures/tiny_fastestdet").standardized.path
        let graph = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: base + ".json"))) as! [String: Any]
        let weights = try SafeTensors(contentsOf: base + ".safetensors")
        func load(_ edit: (inout [String: Any]) -> Void) throws -> Detector {
            var g = graph
            g["name"] = "streetwarden-v1"
            edit(&g)
            let json = [UInt8](try JSONSerialization.data(withJSONObject: g))
            return try Detector(model: Model(json: json, jsonName: "/tmp/x.json", weights: weights))
        }
        XCTAssertNoThrow(try load { _ in })
        XCTAssertThrowsError(try load { $0["head"] = ["type": "anchor"] }) {
            XCTAssertEqual("\($0)", "/tmp/x.json: head type 'anchor' is not 'grid'")
        }
        XCTAssertThrowsError(try load { $0["outputs"] = ["input"] }) {
            XCTAssertEqual("\($0)", "/tmp/x.json: head output 'input' has shape [3, 64, 96], not [5 + 3, Gh, Gw]")
        }
    }
}
