import XCTest
@testable import Geo

final class NMEAParserTests: XCTestCase {
    func testChecksum() {
        // The classic example sentence from the NMEA documentation.
        let line = "$GPGGA,092750.000,5321.6802,N,00630.3372,W,1,8,1.03,61.7,M,55.2,M,,*76"
        XCTAssertEqual(NMEAParser.checksum("GPGGA,092750.000,5321.6802,N,00630.3372,W,1,8,1.03,61.7,M,55.2,M,,"), "76")
        if case .failure(let e) = NMEAParser.verifiedPayload(Substring(line)) { XCTFail("\(e)") }
        XCTAssertEqual(NMEAParser.verifiedPayload(Substring(line.replacingOccurrences(of: "*76", with: "*77"))),
                       .failure(.mismatch(expected: 0x77, computed: 0x76)))
        XCTAssertEqual(NMEAParser.verifiedPayload("$GPGGA,1,2"), .failure(.missing))
        XCTAssertEqual(NMEAParser.verifiedPayload("$GPGGA,1,2*G1"), .failure(.unreadable("G1")))
        XCTAssertEqual(NMEAParser.verifiedPayload("hello"), .failure(.notASentence))
    }

    func testDecodesRMCAndGGAOfOneEpochIntoOneFix() {
        var p = NMEAParser()
        XCTAssertEqual(p.parse(line: "$GPGGA,092750.000,5321.6802,N,00630.3372,W,1,8,1.03,61.7,M,55.2,M,,*76"), .none)
        let rmc = "GPRMC,092750.000,A,5321.6802,N,00630.3372,W,0.02,31.66,280511,,,A"
        XCTAssertEqual(p.parse(line: "$\(rmc)*\(NMEAParser.checksum(rmc))"), .none)
        guard case .fix(let f) = p.flush() else { return XCTFail() }
        XCTAssertEqual(f.coordinate.latitude, 53 + 21.6802 / 60, accuracy: 1e-9)
        XCTAssertEqual(f.coordinate.longitude, -(6 + 30.3372 / 60), accuracy: 1e-9)
        XCTAssertEqual(f.altitude, 61.7)
        XCTAssertEqual(f.heading, 31.66)
        XCTAssertEqual(f.speed!, 0.02 * 1852 / 3600, accuracy: 1e-9)
        XCTAssertEqual(f.time, DateTimeParser.parse("2011-05-28T09:27:50Z")!)
    }

    func testRoundTripThroughTheWriterWithEveryTalker() throws {
        let drive = TestDrive.block(laps: 1)
        for talker in ["GP", "GN", "BD"] {
            let track = try TrackReader.read(text: TrackWriter.nmea(drive.points, talker: talker), name: "d.nmea", format: nil)
            XCTAssertEqual(track.source.format, .nmea)
            XCTAssertEqual(track.points.count, drive.points.count)
            XCTAssertTrue(track.warnings.isEmpty, "\(track.warnings.prefix(3))")
            for (a, b) in zip(track.points, drive.points) {
                XCTAssertEqual(a.time, b.time, accuracy: 0.01)
                XCTAssertEqual(Earth.distance(a.coordinate, b.coordinate), 0, accuracy: 0.05)
                XCTAssertEqual(a.heading!, b.heading!, accuracy: 0.05)
            }
        }
    }

    func testBadChecksumsGarbageAndVoidFixesAreWarnedAndSkipped() throws {
        let drive = TestDrive(legs: [.init(heading: 90, metres: 40)])
        var lines = TrackWriter.nmea(drive.points).split(separator: "\r\n").map(String.init)
        // Corrupt the RMC and GGA of the third epoch (lines 5, 6), add noise.
        lines[4] = lines[4].replacingOccurrences(of: ",2232.", with: ",2233.")
        lines[5] = String(lines[5].dropLast(2)) + "ZZ"
        lines.insert("\u{1}\u{2}garbage ~~~ ", at: 2)
        lines.insert("$GPGSV,3,1,11,03,03,111,00,04,15,270,00,06,01,010,00,13,06,292,00*74", at: 3)
        let void = "GPRMC,080010.00,V,,,,,,,291126,,,N"
        lines.append("$\(void)*\(NMEAParser.checksum(void))")
        let track = try TrackReader.read(text: lines.joined(separator: "\n"), name: "noisy.nmea", format: .nmea)
        XCTAssertEqual(track.points.count, drive.points.count - 1)
        let msgs = track.warnings.map(\.description)
        XCTAssertTrue(msgs.contains { $0.hasPrefix("line 3: not an NMEA sentence") }, "\(msgs)")
        XCTAssertTrue(msgs.contains { $0.hasPrefix("line 7: NMEA checksum mismatch") }, "\(msgs)")
        XCTAssertTrue(msgs.contains { $0.hasPrefix("line 8: NMEA checksum '") }, "\(msgs)")
        XCTAssertTrue(msgs.contains { $0.contains("status 'V'") }, "\(msgs)")
    }

    func testAllSentencesBadIsAClearError() {
        let text = "$GPRMC,080000.00,A,2232.5860,N,11403.4740,E,15.55,90.0,291126,,,A*00\n$GPRMC,080001.00,A,2232.5860,N,11403.4790,E,15.55,90.0,291126,,,A*00\n"
        XCTAssertThrowsError(try TrackReader.read(text: text, name: "bad.nmea", format: .nmea)) { e in
            let d = (e as! TrackError).description
            XCTAssertTrue(d.hasPrefix("bad.nmea: 0 usable fix(es)"), d)
            XCTAssertTrue(d.contains("checksum mismatch"), d)
        }
        XCTAssertThrowsError(try TrackReader.read(text: "hello\nworld\n", name: "x.nmea", format: .nmea)) {
            XCTAssertTrue(($0 as! TrackError).description.contains("no NMEA sentences"))
        }
    }

    func testGGAOnlyLogsNeedADateAndRollOverAtMidnight() throws {
        func gga(_ hms: String, _ lon: String) -> String {
            let s = "GNGGA,\(hms),2232.5860,N,\(lon),E,1,10,0.8,15.0,M,0.0,M,,"
            return "$\(s)*\(NMEAParser.checksum(s))"
        }
        let text = [gga("235959.00", "11403.4740"), gga("000000.00", "11403.4745"), gga("000001.00", "11403.4750")].joined(separator: "\n")
        XCTAssertThrowsError(try TrackReader.read(text: text, name: "gga.nmea", format: .nmea)) {
            XCTAssertTrue(($0 as! TrackError).description.contains("carry no date"), "\($0)")
        }
        let day = DateTimeParser.parse("2026-11-28T00:00:00Z")!
        let t = try TrackReader.read(text: text, name: "gga.nmea", format: .nmea, options: .init(nmeaDate: day))
        XCTAssertEqual(t.points.map(\.time), [day + 86_399, day + 86_400, day + 86_401])
        XCTAssertEqual(t.points[0].altitude, 15)
    }

    func testNonMonotonicTimesAreWarned() throws {
        let drive = TestDrive(legs: [.init(heading: 0, metres: 40)])
        var pts = drive.points
        pts.swapAt(2, 3)
        let t = try TrackReader.read(text: TrackWriter.nmea(pts), name: "swap.nmea", format: .nmea)
        XCTAssertEqual(t.points.count, drive.points.count - 1)
        XCTAssertTrue(t.warnings.contains { $0.message.contains("goes back 1.000 s") }, "\(t.warnings)")
    }

    func testRandomBytesNeverCrash() {
        var rng = SystemRandomNumberGenerator()
        let base = TrackWriter.nmea(TestDrive(legs: [.init(heading: 0, metres: 80)]).points)
        for _ in 0..<50 {
            var bytes = Array(base.utf8)
            for _ in 0..<20 { bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng) }
            let text = String(decoding: bytes, as: UTF8.self)
            _ = try? TrackReader.read(text: text, name: "fuzz.nmea", format: .nmea)
        }
    }
}
