import XCTest
@testable import Rules

final class GeometryTests: XCTestCase {
    func testIoU() {
        let a = NormalizedBox(x1: 0, y1: 0, x2: 0.5, y2: 0.5)
        XCTAssertEqual(a.iou(a), 1, accuracy: 1e-12)
        XCTAssertEqual(a.iou(NormalizedBox(x1: 0.5, y1: 0.5, x2: 1, y2: 1)), 0)
        XCTAssertEqual(a.iou(NormalizedBox(x1: 0.25, y1: 0, x2: 0.75, y2: 0.5)), 1.0 / 3.0, accuracy: 1e-12)
    }

    func testBoxNormalizesCorners() {
        let b = NormalizedBox(x1: 0.8, y1: 0.9, x2: 0.2, y2: 0.1)
        XCTAssertEqual(b.x1, 0.2); XCTAssertEqual(b.y2, 0.9)
    }

    func testPolygonContainsConcave() {
        // An L shape: the notch at top-right is outside.
        let l = Polygon([.init(x: 0, y: 0), .init(x: 0.5, y: 0), .init(x: 0.5, y: 0.5),
                         .init(x: 1, y: 0.5), .init(x: 1, y: 1), .init(x: 0, y: 1)])
        XCTAssertTrue(l.contains(.init(x: 0.25, y: 0.25)))
        XCTAssertFalse(l.contains(.init(x: 0.75, y: 0.25)))
        XCTAssertTrue(l.contains(.init(x: 0.75, y: 0.75)))
        XCTAssertTrue(l.isValid)
    }

    func testCoverage() {
        let left = Polygon([.init(x: 0, y: 0), .init(x: 0.5, y: 0), .init(x: 0.5, y: 1), .init(x: 0, y: 1)])
        XCTAssertEqual(left.coverage(of: NormalizedBox(x1: 0.25, y1: 0.2, x2: 0.75, y2: 0.4)), 0.5, accuracy: 1e-9)
        XCTAssertEqual(left.coverage(of: NormalizedBox(x1: 0.1, y1: 0.1, x2: 0.2, y2: 0.2)), 1)
        XCTAssertEqual(left.coverage(of: NormalizedBox(x1: 0.6, y1: 0.1, x2: 0.9, y2: 0.2)), 0)
    }

    func testInvalidPolygons() {
        XCTAssertFalse(Polygon([.init(x: 0, y: 0), .init(x: 1, y: 1)]).isValid)
        XCTAssertFalse(Polygon([.init(x: 0, y: 0), .init(x: 0.5, y: 0.5), .init(x: 1, y: 1)]).isValid)
        XCTAssertFalse(Polygon([.init(x: 0, y: 0), .init(x: 1.5, y: 0), .init(x: 1, y: 1)]).isValid)
    }

    func testSimplePolygons() {
        func poly(_ p: [(Double, Double)]) -> Polygon { Polygon(p.map { NormalizedPoint(x: $0.0, y: $0.1) }) }
        XCTAssertTrue(poly([(0, 0), (1, 0), (1, 1)]).isSimple)
        XCTAssertTrue(poly([(0, 0), (1, 0), (1, 1), (0, 1)]).isSimple)
        XCTAssertTrue(poly([(0, 0), (1, 0), (1, 1), (0.5, 0.4), (0, 1)]).isSimple, "concave")
        XCTAssertFalse(poly([(0, 0), (1, 1), (1, 0.5), (0, 1)]).isSimple, "edges 0 and 2 cross")
        XCTAssertFalse(poly([(0, 0), (1, 1), (1, 0), (0, 1)]).isSimple, "bow-tie")
        let star = (0..<5).map { k -> (Double, Double) in
            let a = Double(k * 2 % 5) * 2 * Double.pi / 5
            return (0.5 + 0.4 * sin(a), 0.5 - 0.4 * cos(a))
        }
        XCTAssertFalse(poly(star).isSimple, "pentagram")
        XCTAssertFalse(poly([(0, 0), (1, 0), (0.5, 0), (0.5, 1)]).isSimple, "a vertex on another edge")
    }
}
