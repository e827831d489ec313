import XCTest
@testable import Geo

final class GeoJSONTests: XCTestCase {
    func testFeatureCollectionShapeAndCoordinateOrder() throws {
        var fc = GeoJSONFeatureCollection()
        fc.addPoint(Coordinate(latitude: 22.5431234567, longitude: 114.0579), properties: [
            "id": 7, "category": "garbage", "occurrences": 2, "score": 0.875, "open": true, "note": .null,
        ], id: "7")
        fc.addLineString([Coordinate(latitude: 1, longitude: 2), Coordinate(latitude: 3, longitude: 4)], properties: ["name": "a/b"])
        let text = fc.json()
        XCTAssertTrue(text.contains("\"a/b\""), "slashes are not escaped")
        let root = try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
        XCTAssertEqual(root["type"] as? String, "FeatureCollection")
        let features = root["features"] as! [[String: Any]]
        XCTAssertEqual(features.count, 2)
        let point = features[0]["geometry"] as! [String: Any]
        XCTAssertEqual(point["type"] as? String, "Point")
        XCTAssertEqual(point["coordinates"] as! [Double], [114.0579, 22.5431235])  // lon, lat; 7 decimals
        XCTAssertEqual(features[0]["id"] as? String, "7")
        let props = features[0]["properties"] as! [String: Any]
        XCTAssertEqual(props["occurrences"] as? Int, 2)
        XCTAssertEqual(props["open"] as? Bool, true)
        XCTAssertTrue(props["note"] is NSNull)
        let line = features[1]["geometry"] as! [String: Any]
        XCTAssertEqual(line["coordinates"] as! [[Double]], [[2, 1], [4, 3]])
        XCTAssertEqual(fc.json(), text, "stable output")
    }

    func testTrackIsSplitAtGaps() throws {
        var pts = TestDrive(legs: [.init(heading: 90, metres: 80)]).points
        for i in 5..<pts.count { pts[i].time += 60 }
        var fc = GeoJSONFeatureCollection()
        fc.addTrack(GPSTrack(points: pts, timeReference: .wallClock, source: TrackSource(format: .gpx, name: "d.gpx")))
        let root = try JSONSerialization.jsonObject(with: Data(fc.json(prettyPrinted: true).utf8)) as! [String: Any]
        let features = root["features"] as! [[String: Any]]
        XCTAssertEqual(features.count, 2)
        XCTAssertEqual((features[0]["properties"] as! [String: Any])["source"] as? String, "gpx:d.gpx")
    }

    func testEmptyCollectionIsValid() throws {
        let root = try JSONSerialization.jsonObject(with: Data(GeoJSONFeatureCollection().json().utf8)) as! [String: Any]
        XCTAssertEqual((root["features"] as! [Any]).count, 0)
    }
}
