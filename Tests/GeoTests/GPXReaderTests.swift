import XCTest
@testable import Geo

final class GPXReaderTests: XCTestCase {
    func testRoundTripThroughTheWriter() throws {
        let drive = TestDrive.block(laps: 1)
        let track = try TrackReader.read(text: TrackWriter.gpx(drive.points), name: "drive.gpx", format: nil)
        XCTAssertEqual(track.source.format, .gpx)
        XCTAssertEqual(track.timeReference, .wallClock)
        XCTAssertEqual(track.points.count, drive.points.count)
        XCTAssertTrue(track.warnings.isEmpty, "\(track.warnings)")
        for (a, b) in zip(track.points, drive.points) {
            XCTAssertEqual(a.time, b.time, accuracy: 1e-3)
            XCTAssertEqual(Earth.distance(a.coordinate, b.coordinate), 0, accuracy: 0.02)
            XCTAssertEqual(a.heading!, b.heading!, accuracy: 0.05)
            XCTAssertEqual(a.speed!, b.speed!, accuracy: 0.01)
        }
    }

    func testGarminExtensionsNamespacesAndSegments() throws {
        let gpx = """
        <?xml version="1.0"?>
        <gpx xmlns="http://www.topografix.com/GPX/1/1" xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v2" version="1.1">
          <wpt lat="1" lon="1"><time>2026-11-29T07:00:00Z</time></wpt>
          <trk><trkseg>
            <trkpt lat=" 22.5431" lon="114.0579"><ele>12.5</ele><time>2026-11-29T08:00:00Z</time>
              <extensions><gpxtpx:TrackPointExtension><gpxtpx:course>91.5</gpxtpx:course><gpxtpx:speed>7.9</gpxtpx:speed></gpxtpx:TrackPointExtension></extensions>
            </trkpt>
          </trkseg><trkseg>
            <trkpt lat="22.5431" lon="114.0580"><time>2026-11-29T16:00:01+08:00</time></trkpt>
          </trkseg></trk>
        </gpx>
        """
        let t = try TrackReader.read(text: gpx, name: "g.gpx", format: .gpx)
        XCTAssertEqual(t.points.count, 2)
        XCTAssertEqual(t.points[0].heading, 91.5)
        XCTAssertEqual(t.points[0].speed, 7.9)
        XCTAssertEqual(t.points[0].altitude, 12.5)
        XCTAssertEqual(t.points[1].time - t.points[0].time, 1)
    }

    func testMalformedXMLIsAnErrorNamingFileAndLine() {
        let gpx = "<?xml version=\"1.0\"?>\n<gpx>\n<trk><trkseg>\n<trkpt lat=\"1\" lon=\"2\"><time>2026-11-29T08:00:00Z</time>\n</trkseg></gpx>\n"
        XCTAssertThrowsError(try TrackReader.read(text: gpx, name: "bad.gpx", format: .gpx)) { e in
            let err = e as! TrackError
            XCTAssertEqual(err.kind, .malformed)
            XCTAssertNotNil(err.line)
            XCTAssertTrue(err.description.hasPrefix("bad.gpx: line"), err.description)
            XCTAssertTrue(err.description.hasSuffix("(a closing tag that does not match the opening one)"), err.description)
        }
        // The reason in words, not "The operation could not be completed. (NSXMLParserErrorDomain error 5.)".
        XCTAssertThrowsError(try TrackReader.read(text: "<gpx><trk>", name: "cut.gpx", format: .gpx)) { e in
            XCTAssertTrue("\(e)".hasSuffix("not well-formed GPX XML (the document ends before its elements are closed)"), "\(e)")
        }
    }

    func testPointsWithoutTimeOrPositionAreSkippedWithWarnings() throws {
        let gpx = """
        <gpx><trk><trkseg>
        <trkpt lat="22.5" lon="114.0"><time>2026-11-29T08:00:00Z</time></trkpt>
        <trkpt lat="22.5" lon="114.0"></trkpt>
        <trkpt lat="north" lon="114.0"><time>2026-11-29T08:00:01Z</time></trkpt>
        <trkpt lat="22.5" lon="114.0"><time>yesterday</time></trkpt>
        <trkpt lat="22.5001" lon="114.0"><time>2026-11-29T08:00:02Z</time></trkpt>
        <trkpt lat="22.5002" lon="114.0"><time>2026-11-29T08:00:01Z</time></trkpt>
        <trkpt lat="22.5003" lon="114.0"><time>2026-11-29T08:00:03Z</time></trkpt>
        </trkseg></trk></gpx>
        """
        let t = try TrackReader.read(text: gpx, name: "w.gpx", format: .gpx)
        XCTAssertEqual(t.points.count, 3)
        let messages = t.warnings.map(\.description)
        XCTAssertEqual(messages.count, 4, "\(messages)")
        XCTAssertTrue(messages[0].hasPrefix("line 3: trkpt has no <time>"), messages[0])
        XCTAssertTrue(messages[1].contains("invalid lat/lon"))
        XCTAssertTrue(messages[2].contains("'yesterday' is not ISO 8601"))
        XCTAssertTrue(messages[3].hasPrefix("line 7:") && messages[3].contains("goes back"), messages[3])
    }

    func testEmptyAndNonGPXFiles() {
        XCTAssertThrowsError(try TrackReader.read(text: "<gpx><trk></trk></gpx>", name: "e.gpx", format: .gpx)) {
            XCTAssertEqual(($0 as! TrackError).kind, .empty)
        }
        XCTAssertThrowsError(try TrackReader.read(text: "<kml><Placemark/></kml>", name: "k.gpx", format: .gpx)) {
            XCTAssertTrue(($0 as! TrackError).description.contains("no <gpx> root"))
        }
        let one = "<gpx><trk><trkseg><trkpt lat=\"1\" lon=\"1\"><time>2026-11-29T08:00:00Z</time></trkpt></trkseg></trk></gpx>"
        XCTAssertThrowsError(try TrackReader.read(text: one, name: "one.gpx", format: .gpx)) {
            XCTAssertTrue(($0 as! TrackError).description.contains("at least 2"), "\($0)")
        }
    }
}
