import Foundation

/// Parses the date-time spellings GPS logs use, without Foundation's formatters (locale-free,
/// allocation-light, exact to the microsecond):
/// `2026-11-29T08:00:00Z`, `2026-11-29 08:00:00.250+08:00`, `2026/11/29 08:00:00`,
/// `2026.11.29 08:00:00`, and `2026-11-29T08:00:00+0800`.
/// A time with no zone is read in `defaultUTCOffset` seconds east of UTC.
public enum DateTimeParser {
    /// Seconds since 1970 UTC, or nil when `text` is not a date-time in a spelling above.
    public static func parse(_ text: Substring, defaultUTCOffset: Double = 0) -> Double? {
        var s = ByteScanner(Array(text.utf8))
        s.skipSpaces()
        guard let year = s.digits(4), let sep = s.oneOf("-/."), let month = s.digits(2), s.expect(sep),
              let day = s.digits(2) else { return nil }
        guard s.oneOf("T ") != nil || s.oneOf("t") != nil else { return nil }
        s.skipSpaces()
        guard let hour = s.digits(2), s.expect(UInt8(ascii: ":")), let minute = s.digits(2),
              s.expect(UInt8(ascii: ":")), let second = s.digits(2) else { return nil }
        var fraction = 0.0
        if s.expectAny([UInt8(ascii: "."), UInt8(ascii: ",")]) {
            var scale = 0.1
            var any = false
            while let d = s.digit() { fraction += Double(d) * scale; scale /= 10; any = true }
            if !any { return nil }
        }
        var offset = defaultUTCOffset
        s.skipSpaces()
        if s.expectAny([UInt8(ascii: "Z"), UInt8(ascii: "z")]) {
            offset = 0
        } else if let sign = s.oneOf("+-") {
            guard let oh = s.digits(2) else { return nil }
            _ = s.expect(UInt8(ascii: ":"))
            let om = s.digits(2) ?? 0
            guard oh <= 14, om < 60 else { return nil }
            offset = Double(oh * 3600 + om * 60) * (sign == UInt8(ascii: "-") ? -1 : 1)
        }
        guard (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day),
              hour < 24, minute < 60, second < 61 else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        return Double(days * 86_400 + hour * 3600 + minute * 60 + second) + fraction - offset
    }

    public static func parse(_ text: String, defaultUTCOffset: Double = 0) -> Double? {
        parse(Substring(text), defaultUTCOffset: defaultUTCOffset)
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
    public static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// (year, month, day) of a day count since 1970-01-01.
    public static func civil(fromDays z0: Int) -> (year: Int, month: Int, day: Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// ISO 8601 in UTC with milliseconds: `2026-11-29T08:00:00.250Z`.
    public static func iso8601(_ seconds: Double) -> String {
        let ms = Int64((seconds * 1000).rounded())
        let totalSeconds = Int(ms >= 0 ? ms / 1000 : (ms - 999) / 1000)
        let milli = Int(ms - Int64(totalSeconds) * 1000)
        let days = totalSeconds >= 0 ? totalSeconds / 86_400 : (totalSeconds - 86_399) / 86_400
        let rem = totalSeconds - days * 86_400
        let (y, m, d) = civil(fromDays: days)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", y, m, d, rem / 3600, rem / 60 % 60, rem % 60, milli)
    }
}

/// A tiny byte scanner for the parsers in this module.
struct ByteScanner {
    let bytes: [UInt8]
    var i = 0
    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var atEnd: Bool { i >= bytes.count }

    mutating func skipSpaces() {
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x09 { i += 1 }
    }

    mutating func digit() -> Int? {
        guard i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 else { return nil }
        defer { i += 1 }
        return Int(bytes[i] - 0x30)
    }

    mutating func digits(_ n: Int) -> Int? {
        let start = i
        var v = 0
        for _ in 0..<n {
            guard let d = digit() else { i = start; return nil }
            v = v * 10 + d
        }
        return v
    }

    mutating func expect(_ b: UInt8) -> Bool {
        guard i < bytes.count, bytes[i] == b else { return false }
        i += 1
        return true
    }

    mutating func expectAny(_ bs: [UInt8]) -> Bool {
        guard i < bytes.count, bs.contains(bytes[i]) else { return false }
        i += 1
        return true
    }

    mutating func oneOf(_ chars: String) -> UInt8? {
        guard i < bytes.count, chars.utf8.contains(bytes[i]) else { return nil }
        defer { i += 1 }
        return bytes[i]
    }
}
