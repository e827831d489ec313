/// Whether the fields of an ISO 8601 date and time name a moment that exists. Foundation's
/// ISO 8601 formatter and GRDB's date decoding both roll impossible fields over (2026-02-30 →
/// March 2, 25:61 → the next day, a `+99:99` zone), which would turn a typo or a hand edit into
/// another, plausible time.
public enum DateFields {
    /// Checks `YYYY-MM-DD[(T| )HH:MM[:SS[.f…]]][Z|±HH:MM|±HHMM]`: the day exists in its month
    /// (leap years included), the hour is below 24, minutes and seconds below 60, and a zone lies
    /// within -12:00 … +14:00, with nothing after it. The separators are left to the parser.
    /// - Parameter secondsRequired: whether the time, with seconds, must be there.
    public static func exist(_ text: String, secondsRequired: Bool) -> Bool {
        let b = Array(text.utf8)
        func number(_ from: Int, _ count: Int) -> Int? {
            guard from >= 0, from + count <= b.count else { return nil }
            var v = 0
            for c in b[from..<(from + count)] {
                guard (48...57).contains(c) else { return nil }
                v = v * 10 + Int(c - 48)
            }
            return v
        }
        guard let year = number(0, 4), let month = number(5, 2), let day = number(8, 2), (1...12).contains(month) else { return false }
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        guard (1...[31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]).contains(day) else { return false }
        if b.count == 10 { return !secondsRequired }
        guard let hour = number(11, 2), let minute = number(14, 2), hour < 24, minute < 60 else { return false }
        var i = 16
        if i < b.count, b[i] == UInt8(ascii: ":") {
            guard let second = number(17, 2), second < 60 else { return false }
            i = 19
        } else if secondsRequired {
            return false
        }
        if i < b.count, b[i] == UInt8(ascii: ".") { i += 1; while i < b.count, (48...57).contains(b[i]) { i += 1 } }
        if i == b.count { return true }
        if i + 1 == b.count, b[i] == UInt8(ascii: "Z") { return true }
        guard b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") else { return false }
        let colon = i + 3 < b.count && b[i + 3] == UInt8(ascii: ":")
        guard let zh = number(i + 1, 2), let zm = number(colon ? i + 4 : i + 3, 2), zm < 60,
              (colon ? i + 6 : i + 5) == b.count else { return false }
        return zh * 60 + zm <= (b[i] == UInt8(ascii: "+") ? 14 * 60 : 12 * 60)
    }
}
