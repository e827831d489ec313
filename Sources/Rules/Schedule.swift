import Foundation

/// A daily time window in local time, `start` inclusive, `end` exclusive, in minutes after
/// midnight (0…1440). A window whose end is before its start runs overnight
/// (22:00–06:00 covers 22:00…23:59 and 00:00…05:59). Equal start and end means all day.
public struct DailyWindow: Equatable, Sendable {
    public var start: Int
    public var end: Int
    /// Days the window opens on (1 = Monday … 7 = Sunday); empty means every day. For an
    /// overnight window, the day is the one on which it opens.
    public var weekdays: Set<Int>

    public init(start: Int, end: Int, weekdays: Set<Int> = []) {
        self.start = start; self.end = end; self.weekdays = weekdays
    }

    public var isOvernight: Bool { end < start }

    /// Whether local time `minute` (0…1439) on ISO weekday `weekday` (1…7) falls inside.
    public func contains(minute: Int, weekday: Int) -> Bool {
        func dayOK(_ d: Int) -> Bool { weekdays.isEmpty || weekdays.contains(d) }
        if start == end { return dayOK(weekday) }
        if !isOvernight { return dayOK(weekday) && minute >= start && minute < end }
        if minute >= start { return dayOK(weekday) }
        if minute < end { return dayOK(weekday == 1 ? 7 : weekday - 1) }
        return false
    }

    /// Parses "HH:MM" into minutes after midnight ("24:00" allowed as an end).
    public static func parseClock(_ s: String) -> Int? {
        let parts = s.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[1].count == 2,
              let h = Int(parts[0]), let m = Int(parts[1]),
              (0...24).contains(h), (0..<60).contains(m), h * 60 + m <= 1440 else { return nil }
        return h * 60 + m
    }
}

/// Converts instants to local clock minutes and ISO weekdays in one time zone.
public struct LocalClock: Sendable {
    public var timeZone: TimeZone
    private let calendar: Calendar

    public init(timeZone: TimeZone = .current) {
        self.timeZone = timeZone
        var c = Calendar(identifier: .gregorian)
        c.timeZone = timeZone
        self.calendar = c
    }

    /// (minute of the day 0…1439, ISO weekday 1 = Monday … 7 = Sunday)
    public func local(_ date: Date) -> (minute: Int, weekday: Int) {
        let comps = calendar.dateComponents([.hour, .minute, .weekday], from: date)
        let wd = comps.weekday ?? 1  // 1 = Sunday in Gregorian
        let iso = wd == 1 ? 7 : wd - 1
        return ((comps.hour ?? 0) * 60 + (comps.minute ?? 0), iso)
    }
}
