import XCTest
@testable import Rules

final class ScheduleTests: XCTestCase {
    func testParseClock() {
        XCTAssertEqual(DailyWindow.parseClock("18:00"), 1080)
        XCTAssertEqual(DailyWindow.parseClock("00:05"), 5)
        XCTAssertEqual(DailyWindow.parseClock("24:00"), 1440)
        XCTAssertNil(DailyWindow.parseClock("24:01"))
        XCTAssertNil(DailyWindow.parseClock("7:5"))
        XCTAssertNil(DailyWindow.parseClock("12:60"))
        XCTAssertNil(DailyWindow.parseClock("noon"))
    }

    func testDaytimeWindow() {
        let w = DailyWindow(start: 18 * 60, end: 22 * 60)
        XCTAssertFalse(w.contains(minute: 17 * 60 + 59, weekday: 3))
        XCTAssertTrue(w.contains(minute: 18 * 60, weekday: 3))
        XCTAssertTrue(w.contains(minute: 21 * 60 + 59, weekday: 3))
        XCTAssertFalse(w.contains(minute: 22 * 60, weekday: 3))
    }

    func testOvernightWindowBelongsToTheDayItOpens() {
        // Friday night 22:00 to Saturday 06:00 only.
        let w = DailyWindow(start: 22 * 60, end: 6 * 60, weekdays: [5])
        XCTAssertTrue(w.isOvernight)
        XCTAssertTrue(w.contains(minute: 23 * 60, weekday: 5))
        XCTAssertTrue(w.contains(minute: 5 * 60, weekday: 6))
        XCTAssertFalse(w.contains(minute: 6 * 60, weekday: 6))
        XCTAssertFalse(w.contains(minute: 23 * 60, weekday: 6))
        XCTAssertFalse(w.contains(minute: 5 * 60, weekday: 5)) // Thursday night's tail
        let sundayNight = DailyWindow(start: 22 * 60, end: 6 * 60, weekdays: [7])
        XCTAssertTrue(sundayNight.contains(minute: 60, weekday: 1))
    }

    func testLocalClockUsesTheZone() {
        // 2026-01-01 00:00 UTC is a Thursday; 08:00 in Shanghai.
        let d = Date(timeIntervalSince1970: 1_767_225_600)
        let utcLocal = LocalClock(timeZone: utc).local(d)
        XCTAssertEqual(utcLocal.minute, 0); XCTAssertEqual(utcLocal.weekday, 4)
        let sh = LocalClock(timeZone: TimeZone(identifier: "Asia/Shanghai")!).local(d)
        XCTAssertEqual(sh.minute, 8 * 60); XCTAssertEqual(sh.weekday, 4)
    }
}
