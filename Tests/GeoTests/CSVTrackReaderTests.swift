import XCTest
@testable import Geo

final class CSVTrackReaderTests: XCTestCase {
    func testRoundTripWallClockAndClipTime() throws {
        let drive = TestDrive.block(laps: 1)
        let wall = try TrackReader.read(text: TrackWriter.csv(drive.points), name: "d.csv", format: nil)
        XCTAssertEqual(wall.timeReference, .wallClock)
        XCTAssertEqual(wall.points.count, drive.points.count)
        XCTAssertEqual(wall.points[5].time, drive.points[5].time, accuracy: 1e-3)
        XCTAssertEqual(wall.points[5].heading, 90)
        let clip = try TrackReader.read(text: TrackWriter.csv(drive.clipRelative, clipTime: true), name: "c.csv", format: .csv)
        XCTAssertEqual(clip.timeReference, .clipTime)
        XCTAssertEqual(clip.startTime, 0)
        XCTAssertTrue(wall.warnings.isEmpty && clip.warnings.isEmpty)
    }

    func testHeaderVariantsSeparatorsAndUnits() throws {
        let text = """
        # exported by a logger
        Latitude;Longitude;Timestamp;Speed_kmh;Sats
        22.5431;114.0579;1795939200;36;9
        22.5432;114.0579;1795939201000;36;9
        """
        let t = try TrackReader.read(text: text, name: "x.csv", format: .csv)
        XCTAssertEqual(t.points.map(\.time), [1_795_939_200, 1_795_939_201])
        XCTAssertEqual(t.points[0].speed!, 10, accuracy: 1e-9)
        XCTAssertNil(t.points[0].heading)
    }

    func testHeaderlessRows() throws {
        let text = "2026-11-29T08:00:00Z,22.5431,114.0579,90,8\n2026-11-29T08:00:01Z,22.5431,114.05798,90,8\n"
        let t = try TrackReader.read(text: text, name: "h.csv", format: .csv)
        XCTAssertEqual(t.points.count, 2)
        XCTAssertEqual(t.points[1].heading, 90)
        XCTAssertEqual(t.points[1].speed, 8)
    }

    func testBadRowsAreWarnedWithLineNumbers() throws {
        let text = """
        time,lat,lon,heading
        2026-11-29T08:00:00Z,22.5431,114.0579,90
        2026-11-29T08:00:01Z,north,114.0579,90
        2026-11-29T08:00:02Z,22.5431
        2026-11-29T08:00:03Z,22.5431,114.0580,east
        not-a-time,22.5431,114.0580,90
        2026-11-29T08:00:04Z,22.5431,190.0,90
        2026-11-29T08:00:05Z,22.5431,114.0581,
        1e300,22.5431,114.0582,90
        """
        let t = try TrackReader.read(text: text, name: "bad.csv", format: .csv)
        XCTAssertEqual(t.points.count, 2)
        let w = t.warnings.map(\.description)
        XCTAssertEqual(w.count, 6, "\(w)")
        XCTAssertEqual(w[5], "line 9: time '1e300' is not from 1970 to 2999; row skipped")
        XCTAssertTrue(w[0].hasPrefix("line 3: latitude 'north'"), w[0])
        XCTAssertTrue(w[1].hasPrefix("line 4: row has 2 fields"), w[1])
        XCTAssertTrue(w[2].hasPrefix("line 5: heading 'east'"), w[2])
        XCTAssertTrue(w[3].hasPrefix("line 6: time 'not-a-time'"), w[3])
        XCTAssertTrue(w[4].hasPrefix("line 7: longitude '190.0'"), w[4])
    }

    func testHeaderErrors() {
        XCTAssertThrowsError(try TrackReader.read(text: "when,where\n1,2\n", name: "a.csv", format: .csv)) {
            XCTAssertEqual("\($0)", "a.csv: line 1: the CSV header names no 'lat' column (expected e.g. time,lat,lon,heading,speed)")
        }
        XCTAssertThrowsError(try TrackReader.read(text: "time,lat\n1,2\n", name: "b.csv", format: .csv)) {
            XCTAssertTrue("\($0)".contains("both 'lat' and 'lon'"))
        }
        XCTAssertThrowsError(try TrackReader.read(text: "lat,lon\n1,2\n", name: "c.csv", format: .csv)) {
            XCTAssertTrue("\($0)".contains("needs a 'time'"))
        }
        XCTAssertThrowsError(try TrackReader.read(text: "time,lat,lon,latitude\n1,2,3,4\n", name: "e.csv", format: .csv)) {
            XCTAssertEqual("\($0)", "e.csv: line 1: the CSV header has the same column twice ('lat' and 'latitude')")
        }
        XCTAssertThrowsError(try TrackReader.read(text: "\n\n", name: "d.csv", format: .csv)) {
            XCTAssertEqual(($0 as! TrackError).kind, .empty)
        }
    }
}
