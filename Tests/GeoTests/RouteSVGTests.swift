import XCTest
#if canImport(FoundationXML)
import FoundationXML
#endif
@testable import Geo

final class RouteSVGTests: XCTestCase {
    func testDrawsRouteMarkersAndScaleAsWellFormedXML() {
        let drive = TestDrive.block(laps: 1)
        let place = Earth.destination(from: TestDrive.origin, distance: 100, bearing: 90)
        let svg = RouteSVG(lines: [RouteSVG.Line(track: drive.track(), label: "drive <1> & co")],
                           markers: [RouteSVG.Marker(position: place, label: "#3 garbage", colour: RouteSVG.colour(forClass: "garbage"),
                                                     title: "case 3: \"暴露垃圾\"")]).render()
        XCTAssertTrue(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        XCTAssertEqual(svg.components(separatedBy: "<polyline").count - 1, 1)
        XCTAssertEqual(svg.components(separatedBy: "<g class=\"case\">").count - 1, 1)
        XCTAssertTrue(svg.contains("drive &lt;1&gt; &amp; co"))
        XCTAssertTrue(svg.contains("&quot;暴露垃圾&quot;"))
        XCTAssertTrue(svg.contains("<g class=\"scale\">"))
        XCTAssertTrue(svg.contains(" m</text>"))
        let parser = XMLParser(data: Data(svg.utf8))
        XCTAssertTrue(parser.parse(), "\(String(describing: parser.parserError))")
    }

    func testProjectionIsNorthUpWithEqualScales() {
        let o = TestDrive.origin
        let north = Earth.destination(from: o, distance: 100, bearing: 0)
        let east = Earth.destination(from: o, distance: 100, bearing: 90)
        let svg = RouteSVG(lines: [RouteSVG.Line(label: "l", pieces: [[o, north, east]])], width: 400, height: 400)
        let (project, mpp) = svg.projection()!
        let po = project(o), pn = project(north), pe = project(east)
        XCTAssertLessThan(pn.y, po.y, "north is up")
        XCTAssertGreaterThan(pe.x, po.x, "east is right")
        XCTAssertEqual(po.y - pn.y, pe.x - po.x, accuracy: 0.1, "same pixels per metre both ways")
        XCTAssertEqual((pe.x - po.x) * mpp, 100, accuracy: 0.2)
        for p in [po, pn, pe] {
            XCTAssertTrue((0...400).contains(p.x) && (0...400).contains(p.y))
        }
    }

    func testGapsSplitTheLineAndEmptyInputSaysSo() {
        var pts = TestDrive(legs: [.init(heading: 90, metres: 80)]).points
        for i in 5..<pts.count { pts[i].time += 60 }
        let line = RouteSVG.Line(track: GPSTrack(points: pts, timeReference: .wallClock, source: TrackSource(format: .gpx, name: "g")))
        XCTAssertEqual(line.pieces.count, 2)
        XCTAssertEqual(RouteSVG(lines: [line]).render().components(separatedBy: "<polyline").count - 1, 2)
        XCTAssertTrue(RouteSVG().render().contains("no positions"))
    }
}
