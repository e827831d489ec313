import XCTest
@testable import Geo

final class DateTimeParserTests: XCTestCase {
    func testSpellings() {
        let utc = 1_795_939_200.0  // 2026-11-29T08:00:00Z
        XCTAssertEqual(DateTimeParser.parse("2026-11-29T08:00:00Z"), utc)
        XCTAssertEqual(DateTimeParser.parse("2026-11-29T08:00:00.250Z"), utc + 0.25)
        XCTAssertEqual(DateTimeParser.parse("2026-11-29 16:00:00+08:00"), utc)
        XCTAssertEqual(DateTimeParser.parse("2026-11-29T16:00:00+0800"), utc)
        XCTAssertEqual(DateTimeParser.parse("2026-11-29T03:00:00-05:00"), utc)
        XCTAssertEqual(DateTimeParser.parse("2026/11/29 16:00:00", defaultUTCOffset: 8 * 3600), utc)
        XCTAssertEqual(DateTimeParser.parse("2026.11.29 08:00:00"), utc)
        XCTAssertEqual(DateTimeParser.parse("2026-11-29 08:00:00,5"), utc + 0.5)
    }

    func testRejectsNonsense() {
        for s in ["", "2026-11-29", "2026-02-30T00:00:00Z", "2026-13-01T00:00:00Z", "2026-11-29T25:00:00Z",
                  "hello", "2026-11-29T08:00", "2026-11-29X08:00:00"] {
            XCTAssertNil(DateTimeParser.parse(s), s)
        }
        XCTAssertNotNil(DateTimeParser.parse("2024-02-29T00:00:00Z"))
        XCTAssertNil(DateTimeParser.parse("2023-02-29T00:00:00Z"))
    }

    func testISO8601RoundTrip() {
        for t in [0.0, 1_795_939_200.125, 951_782_400, -86_400.5] {
            XCTAssertEqual(DateTimeParser.parse(DateTimeParser.iso8601(t))!, t, accuracy: 1e-6, DateTimeParser.iso8601(t))
        }
        XCTAssertEqual(DateTimeParser.iso8601(1_795_939_200.25), "2026-11-29T08:00:00.250Z")
    }

    func testAgreesWithFoundation() {
        let f = ISO8601DateFormatter()
        for s in ["2000-01-01T00:00:00Z", "2026-11-29T08:00:00Z", "1999-12-31T23:59:59Z", "2100-03-01T12:00:00Z"] {
            XCTAssertEqual(DateTimeParser.parse(s), f.date(from: s)!.timeIntervalSince1970, s)
        }
    }
}
