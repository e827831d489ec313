import XCTest
@testable import Geo

final class TrackReaderTests: XCTestCase {
    func testReadsFilesOfEveryFormatAndAppliesTheOffset() throws {
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let drive = TestDrive.block(laps: 1)
        let files = [("d.gpx", TrackWriter.gpx(drive.points)), ("d.nmea", TrackWriter.nmea(drive.points)),
                     ("d.csv", TrackWriter.csv(drive.points)), ("d.log", TrackWriter.nmea(drive.points)),
                     ("d.txt", TrackWriter.gpx(drive.points))]
        for (name, text) in files {
            let path = dir + "/" + name
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            let t = try TrackReader.read(path: path, options: .init(timeOffset: -1.5))
            XCTAssertEqual(t.startTime!, TestDrive.t0 - 1.5, accuracy: 0.01, name)
            XCTAssertEqual(t.source.name, path)
            XCTAssertEqual(t.source.timeOffset, -1.5)
            XCTAssertEqual(t.points.count, drive.points.count, name)
        }
    }

    func testMissingFileAndUnknownFormat() {
        XCTAssertThrowsError(try TrackReader.read(path: "/nonexistent/track.gpx")) {
            XCTAssertEqual("\($0)", "/nonexistent/track.gpx: no such file")
        }
        XCTAssertThrowsError(try TrackReader.read(text: "{\"type\":1}", name: "t.json", format: nil)) {
            XCTAssertEqual(($0 as! TrackError).kind, .unknownFormat)
        }
    }

    func testInvalidOptions() {
        let text = TrackWriter.csv(TestDrive(legs: [.init(heading: 0, metres: 20)]).points)
        XCTAssertThrowsError(try TrackReader.read(text: text, name: "a.csv", format: .csv, options: .init(timeOffset: .nan)))
        XCTAssertThrowsError(try TrackReader.read(text: text, name: "a.csv", format: .csv, options: .init(maxGap: 0)))
    }
}
