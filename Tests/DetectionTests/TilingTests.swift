@testable import Detection
import XCTest

final class TilingTests: XCTestCase {
    let classes = ["street_vending", "garbage", "illegal_ad"]

    func testGridViewsCoverTheFrameWithOverlap() {
        XCTAssertEqual(TileGrid.none.views, [Box(x1: 0, y1: 0, x2: 1, y2: 1)])
        for n in 2...4 {
            let g = TileGrid(n: n)
            let v = g.views
            XCTAssertEqual(v.count, 1 + n * n)
            XCTAssertEqual(v[0], Box(x1: 0, y1: 0, x2: 1, y2: 1), "the whole frame comes first")
            let side = Float((1 + 0.12 * Double(n - 1)) / Double(n))
            for t in v.dropFirst() {
                XCTAssertEqual(t.width, side, accuracy: 1e-5)
                XCTAssertEqual(t.height, side, accuracy: 1e-5)
                XCTAssertGreaterThanOrEqual(t.x1, 0); XCTAssertLessThanOrEqual(t.x2, 1.00001)
            }
            // Neighbours share 12 % of the frame; the last tile ends at the frame's edge.
            XCTAssertEqual(v[1].x2 - v[2].x1, 0.12, accuracy: 1e-4)
            XCTAssertEqual(v[n].x2, 1, accuracy: 1e-5)
            XCTAssertEqual(v[n * n].y2, 1, accuracy: 1e-5)
            // Every point of a fine grid lies inside some tile.
            for i in 0...20 {
                for j in 0...20 {
                    let x = Float(i) / 20, y = Float(j) / 20
                    XCTAssertTrue(v.dropFirst().contains { $0.x1 <= x && x <= $0.x2 + 1e-5 && $0.y1 <= y && y <= $0.y2 + 1e-5 })
                }
            }
        }
    }

    func testMergeMapsBoxesTakesBestScoresAndDropsDuplicates() {
        let whole = Box(x1: 0, y1: 0, x2: 1, y2: 1)
        let rightHalf = Box(x1: 0.5, y1: 0, x2: 1, y2: 0.5)
        // Whole frame: a large garbage pile and a weak flyer score below threshold (no region).
        let a = FrameDetections(scores: ["street_vending": 0.1, "garbage": 0.8, "illegal_ad": 0.3],
                                regions: [Region(className: "garbage", score: 0.8, box: Box(x1: 0.1, y1: 0.5, x2: 0.5, y2: 0.9))])
        // Tile (top-right quarter): the flyer, now big enough, and a cut-off piece of a pile that
        // lies inside the whole-frame box (same object): both in tile coordinates.
        let b = FrameDetections(scores: ["street_vending": 0.05, "garbage": 0.6, "illegal_ad": 0.9],
                                regions: [Region(className: "illegal_ad", score: 0.9, box: Box(x1: 0.2, y1: 0.2, x2: 0.3, y2: 0.4)),
                                          Region(className: "garbage", score: 0.6, box: Box(x1: 0, y1: 0, x2: 0.4, y2: 0.2))])
        let pileTile = Box(x1: 0.2, y1: 0.5, x2: 0.5, y2: 0.9)  // inside the pile's frame box
        let c = FrameDetections(scores: ["street_vending": 0, "garbage": 0.7, "illegal_ad": 0.2],
                                regions: [Region(className: "garbage", score: 0.7, box: Box(x1: 0.4, y1: 0, x2: 1, y2: 0.8))])
        let m = Detector.merge([(a, whole), (b, rightHalf), (c, pileTile)], classes: classes, nmsIoU: 0.25)
        XCTAssertEqual(m.scores["illegal_ad"]!, 0.9, accuracy: 1e-6)
        XCTAssertEqual(m.scores["garbage"]!, 0.8, accuracy: 1e-6)
        XCTAssertEqual(m.scores["street_vending"]!, 0.1, accuracy: 1e-6)
        let ad = m.regions.filter { $0.className == "illegal_ad" }
        XCTAssertEqual(ad.count, 1)
        XCTAssertEqual(ad[0].box.x1, 0.6, accuracy: 1e-6)
        XCTAssertEqual(ad[0].box.x2, 0.65, accuracy: 1e-6)
        XCTAssertEqual(ad[0].box.y1, 0.1, accuracy: 1e-6)
        XCTAssertEqual(ad[0].box.y2, 0.2, accuracy: 1e-6)
        let garbage = m.regions.filter { $0.className == "garbage" }
        // The pile from the third view maps to (0.32, 0.5)-(0.5, 0.82): inside the 0.8 box → dropped.
        // The tile's garbage box maps to (0.5, 0)-(0.7, 0.1): elsewhere → kept.
        XCTAssertEqual(garbage.count, 2, "\(garbage)")
        XCTAssertEqual(garbage[0].score, 0.8)
        XCTAssertEqual(garbage[1].box.x1, 0.5, accuracy: 1e-6)
        XCTAssertEqual(garbage[1].box.y2, 0.1, accuracy: 1e-6)
        XCTAssertEqual(m.regions.map(\.score), m.regions.map(\.score).sorted(by: >), "best first")
    }

    func testMergeOfOneWholeViewIsThatView() {
        let a = FrameDetections(scores: ["street_vending": 0.7, "garbage": 0, "illegal_ad": 0],
                                regions: [Region(className: "street_vending", score: 0.7, box: Box(x1: 0.1, y1: 0.2, x2: 0.3, y2: 0.4))])
        XCTAssertEqual(Detector.merge([(a, Box(x1: 0, y1: 0, x2: 1, y2: 1))], classes: classes, nmsIoU: 0.25), a)
    }
}
