import Foundation

/// What one NMEA line gave.
public enum NMEAResult: Equatable, Sendable {
    /// A complete fix (emitted when the next epoch starts, or on `flush()`).
    case fix(TrackPoint)
    /// A valid sentence that completed no fix yet, or one of a type this reader does not use.
    case none
    /// The line was rejected; the reason is one sentence for a warning.
    case rejected(String)
}

/// Incremental NMEA 0183 parser for RMC and GGA sentences from any talker (GP, GN, GL, GA, BD,
/// GB). Verifies the `*hh` checksum, merges the RMC and GGA of one epoch into one fix (RMC
/// gives date, speed and course; GGA gives altitude), and rolls the date over at midnight for
/// GGA-only stretches. Used for files and for live sentences from a socket.
public struct NMEAParser: Sendable {
    /// Midnight (seconds since 1970, UTC) of the day GGA-only logs belong to.
    public var defaultDate: Double?

    private var lastDate: Double?
    private var lastTimeOfDay: Double?
    private var pending: Pending?

    private struct Pending: Sendable {
        var timeOfDay: Double
        var date: Double?
        var coordinate: Coordinate
        var heading: Double?
        var speed: Double?
        var altitude: Double?
        var line: Int?
    }

    public init(defaultDate: Double? = nil) {
        self.defaultDate = defaultDate
    }

    /// Verifies the checksum of `$...*hh` and returns the payload between `$` and `*`.
    public static func verifiedPayload(_ line: Substring) -> Result<Substring, NMEAChecksumError> {
        guard let dollar = line.firstIndex(where: { $0 == "$" || $0 == "!" }) else { return .failure(.notASentence) }
        let body = line[line.index(after: dollar)...].trimmingCharacters(in: .whitespacesAndNewlines)
        guard let star = body.lastIndex(of: "*") else { return .failure(.missing) }
        let payload = body[..<star]
        let given = body[body.index(after: star)...]
        guard given.count == 2, let expected = UInt8(given, radix: 16) else { return .failure(.unreadable(String(given))) }
        var sum: UInt8 = 0
        for b in payload.utf8 { sum ^= b }
        guard sum == expected else { return .failure(.mismatch(expected: expected, computed: sum)) }
        return .success(Substring(payload))
    }

    /// The two hex digits of an NMEA checksum for `payload` (the text between `$` and `*`).
    public static func checksum(_ payload: String) -> String {
        var sum: UInt8 = 0
        for b in payload.utf8 { sum ^= b }
        return String(format: "%02X", sum)
    }

    /// Feeds one line. `lineNumber` is kept on the resulting fix for messages.
    public mutating func parse(line: Substring, lineNumber: Int? = nil) -> NMEAResult {
        let payload: Substring
        switch NMEAParser.verifiedPayload(line) {
        case .success(let p): payload = p
        case .failure(let e): return .rejected(e.description)
        }
        let f = payload.split(separator: ",", omittingEmptySubsequences: false)
        guard let head = f.first, head.count >= 5 else { return .rejected("sentence has no address field") }
        let type = head.suffix(3)
        switch type {
        case "RMC": return rmc(f, lineNumber)
        case "GGA": return gga(f, lineNumber)
        default: return .none
        }
    }

    public mutating func parse(line: String, lineNumber: Int? = nil) -> NMEAResult {
        parse(line: Substring(line), lineNumber: lineNumber)
    }

    /// Emits the fix still waiting for its epoch to end, if any.
    public mutating func flush() -> NMEAResult {
        guard let p = pending else { return .none }
        pending = nil
        return emit(p)
    }

    private mutating func rmc(_ f: [Substring], _ line: Int?) -> NMEAResult {
        guard f.count >= 10 else { return .rejected("RMC sentence has \(f.count) fields, expected at least 10") }
        guard let tod = NMEAParser.timeOfDay(f[1]) else { return .rejected("RMC time '\(f[1])' is not hhmmss") }
        guard f[2] == "A" else { return .rejected("RMC status '\(f[2])' (no valid fix); skipped") }
        guard let c = NMEAParser.coordinate(f[3], f[4], f[5], f[6]) else {
            return .rejected("RMC position '\(f[3]),\(f[4]),\(f[5]),\(f[6])' is malformed")
        }
        guard let date = NMEAParser.date(f[9]) else { return .rejected("RMC date '\(f[9])' is not ddmmyy") }
        let speed = Double(f[7]).map { $0 * 1852.0 / 3600.0 }
        let course = Double(f[8])
        return merge(Pending(timeOfDay: tod, date: date, coordinate: c, heading: course, speed: speed,
                             altitude: nil, line: line))
    }

    private mutating func gga(_ f: [Substring], _ line: Int?) -> NMEAResult {
        guard f.count >= 10 else { return .rejected("GGA sentence has \(f.count) fields, expected at least 10") }
        guard let tod = NMEAParser.timeOfDay(f[1]) else { return .rejected("GGA time '\(f[1])' is not hhmmss") }
        guard let q = Int(f[6]), q > 0 else { return .rejected("GGA fix quality '\(f[6])' (no fix); skipped") }
        guard let c = NMEAParser.coordinate(f[2], f[3], f[4], f[5]) else {
            return .rejected("GGA position '\(f[2]),\(f[3]),\(f[4]),\(f[5])' is malformed")
        }
        return merge(Pending(timeOfDay: tod, date: nil, coordinate: c, heading: nil, speed: nil,
                             altitude: Double(f[9]), line: line))
    }

    /// Merges a sentence into the pending epoch, or emits the pending one and starts anew.
    private mutating func merge(_ p: Pending) -> NMEAResult {
        if var cur = pending, cur.timeOfDay == p.timeOfDay {
            cur.date = cur.date ?? p.date
            if p.date != nil { cur.coordinate = p.coordinate }   // RMC's position wins (same fix)
            cur.heading = cur.heading ?? p.heading
            cur.speed = cur.speed ?? p.speed
            cur.altitude = cur.altitude ?? p.altitude
            pending = cur
            return .none
        }
        let out = pending.map { emit($0) } ?? NMEAResult.none
        pending = p
        return out
    }

    private mutating func emit(_ p: Pending) -> NMEAResult {
        var day: Double
        if let d = p.date {
            day = d
        } else if let d = lastDate {
            day = d
            if let last = lastTimeOfDay, p.timeOfDay < last - 43_200 { day += 86_400 }  // midnight passed
        } else if let d = defaultDate {
            day = d
        } else {
            return .rejected("GGA sentences carry no date and no RMC came before this one; give the date (nmeaDate / --gps-date)")
        }
        lastDate = day
        lastTimeOfDay = p.timeOfDay
        return .fix(TrackPoint(time: day + p.timeOfDay, coordinate: p.coordinate, heading: p.heading,
                               speed: p.speed, altitude: p.altitude, line: p.line))
    }

    /// hhmmss(.sss) → seconds into the day.
    static func timeOfDay(_ s: Substring) -> Double? {
        let u = Array(s.utf8)
        guard u.count >= 6, u[0..<6].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        let h = Int(u[0] - 0x30) * 10 + Int(u[1] - 0x30)
        let m = Int(u[2] - 0x30) * 10 + Int(u[3] - 0x30)
        let sec = Int(u[4] - 0x30) * 10 + Int(u[5] - 0x30)
        guard h < 24, m < 60, sec < 61 else { return nil }
        var frac = 0.0
        if u.count > 6 {
            guard u[6] == UInt8(ascii: "."), let fv = Double("0" + String(s.dropFirst(6))) else { return nil }
            frac = fv
        }
        return Double(h * 3600 + m * 60 + sec) + frac
    }

    /// ddmmyy → midnight UTC in seconds since 1970 (years 80–99 are 19xx).
    static func date(_ s: Substring) -> Double? {
        guard s.count == 6, let v = Int(s) else { return nil }
        let d = v / 10_000, m = v / 100 % 100, y2 = v % 100
        let y = y2 >= 80 ? 1900 + y2 : 2000 + y2
        guard (1...12).contains(m), (1...DateTimeParser.daysIn(month: m, year: y)).contains(d) else { return nil }
        return Double(DateTimeParser.daysFromCivil(year: y, month: m, day: d) * 86_400)
    }

    /// ddmm.mmmm,N,dddmm.mmmm,E → coordinate.
    static func coordinate(_ lat: Substring, _ ns: Substring, _ lon: Substring, _ ew: Substring) -> Coordinate? {
        guard let la = degreesMinutes(lat, maxDegrees: 90), let lo = degreesMinutes(lon, maxDegrees: 180) else { return nil }
        let sLat: Double, sLon: Double
        switch ns { case "N": sLat = 1; case "S": sLat = -1; default: return nil }
        switch ew { case "E": sLon = 1; case "W": sLon = -1; default: return nil }
        let c = Coordinate(latitude: la * sLat, longitude: lo * sLon)
        return c.isValid ? c : nil
    }

    private static func degreesMinutes(_ s: Substring, maxDegrees: Double) -> Double? {
        guard let v = Double(s), v >= 0, s.contains(".") || s.count >= 4 else { return nil }
        let deg = (v / 100).rounded(.down)
        let minutes = v - deg * 100
        guard minutes < 60, deg <= maxDegrees else { return nil }
        return deg + minutes / 60
    }
}

/// Why a line failed NMEA checksum verification.
public enum NMEAChecksumError: Error, Equatable, Sendable, CustomStringConvertible {
    case notASentence
    case missing
    case unreadable(String)
    case mismatch(expected: UInt8, computed: UInt8)

    public var description: String {
        switch self {
        case .notASentence: return "not an NMEA sentence (no '$'); skipped"
        case .missing: return "NMEA sentence has no '*hh' checksum; skipped"
        case .unreadable(let s): return "NMEA checksum '\(s)' is not two hex digits; skipped"
        case .mismatch(let e, let c):
            return String(format: "NMEA checksum mismatch (sentence says %02X, content gives %02X); skipped", e, c)
        }
    }
}

/// Reads NMEA 0183 logs (one sentence per line; other sentence types are ignored).
enum NMEAReader {
    static func read(text: String, name: String, options: TrackReadOptions) throws -> GPSTrack {
        var parser = NMEAParser(defaultDate: options.nmeaDate)
        var track = GPSTrack(timeReference: .wallClock, source: TrackSource(format: .nmea, name: name), maxGap: options.maxGap)
        var lineNumber = 0
        var sentences = 0
        func take(_ r: NMEAResult, _ line: Int) {
            switch r {
            case .fix(let p): track.append(p)
            case .none: break
            case .rejected(let why): track.warn(line, why)
            }
        }
        for raw in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            lineNumber += 1
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty { continue }
            if line.contains("$") { sentences += 1 }
            take(parser.parse(line: Substring(line), lineNumber: lineNumber), lineNumber)
        }
        take(parser.flush(), lineNumber)
        if sentences == 0 {
            throw TrackError(.malformed, input: name, reason: "no NMEA sentences (lines starting with '$') found")
        }
        return track
    }
}
