import Foundation

/// Reads per-frame telemetry from SubRip subtitles, as drones and dashcams write them beside
/// (or inside) their video. Each cue's start time is the clip time of its fix; the cue text is
/// searched for these fields (HTML tags such as `<font>` are ignored; case-insensitive):
///
/// | field | spellings recognised | seen in |
/// |---|---|---|
/// | position | `[latitude: 22.5432] [longitude: 114.0578]` (also `longtitude`, `lat:`/`lon:`/`lng:`, `=`) | DJI Mini/Air/Mavic 2/3 |
/// | position | `GPS(114.0578,22.5432,19)` or `GPS (114.0578, 22.5432, 19)`: longitude first | DJI Phantom 4, Mavic Pro, Spark |
/// | position | `N22.543210 E114.057890`, `N:22.5432, E:114.0578`, `22.5432N 114.0578E`, S/W negative | Novatek-style dashcams |
/// | date-time | `2026-11-29 08:00:00.250`, `2026/11/29 08:00:00`, `2026.11.29 08:00:00` (local time) | all |
/// | speed | `45 km/h`, `28 mph`, `speed: 12.5` (m/s) | dashcams |
/// | heading | `heading: 87.5`, `hdg: 87.5`, `course: 87.5` (degrees) | dashcams |
/// | altitude | `abs_alt: 50.1`, `altitude: 50.1`, third `GPS(…)` value | DJI |
///
/// Times are the cues' clip times (`TimeReference.clipTime`) unless
/// `TrackReadOptions.subtitleWallClock` asks for the written date-time (then every cue must
/// have one). A cue at 0,0 is treated as "no fix".
public enum SRTTelemetryReader {
    private static func rx(_ p: String) -> NSRegularExpression {
        try! NSRegularExpression(pattern: p, options: [.caseInsensitive])
    }
    private static let cueTime = rx(#"(\d+):(\d{1,2}):(\d{1,2})[,.](\d{1,3})\s*-->\s*(\d+):(\d{1,2}):(\d{1,2})[,.](\d{1,3})"#)
    private static let tag = rx(#"<[^>]*>"#)
    private static let latKey = rx(#"\b(?:latitude|lat)\s*[:=]\s*(-?\d+(?:\.\d+)?)"#)
    private static let lonKey = rx(#"\b(?:longitude|longtitude|lon|lng)\s*[:=]\s*(-?\d+(?:\.\d+)?)"#)
    private static let gpsTuple = rx(#"\bGPS\s*\(\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)(?:\s*,\s*(-?\d+(?:\.\d+)?))?"#)
    private static let hemiPrefix = rx(#"(?<![A-Za-z])([NS])\s*:?\s*(\d+\.\d+)[\s,;]+([EW])\s*:?\s*(\d+\.\d+)"#)
    private static let hemiSuffix = rx(#"(\d+\.\d+)\s*([NS])[\s,;]+(\d+\.\d+)\s*([EW])(?![A-Za-z])"#)
    private static let dateTime = rx(#"\d{4}[-/.]\d{2}[-/.]\d{2}[ T]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?"#)
    private static let speedUnit = rx(#"(\d+(?:\.\d+)?)\s*(km/h|kmh|kph|mph)"#)
    private static let speedKey = rx(#"\bspeed\s*[:=]\s*(\d+(?:\.\d+)?)(?!\s*(?:km|mph|kph))"#)
    private static let headingKey = rx(#"\b(?:heading|hdg|course)\s*[:=]\s*(-?\d+(?:\.\d+)?)"#)
    private static let altKey = rx(#"\b(?:abs_alt|altitude)\s*[:=]\s*(-?\d+(?:\.\d+)?)"#)

    /// One subtitle cue's parsed telemetry.
    public struct Cue: Equatable, Sendable {
        public var start: Double
        public var end: Double
        public var coordinate: Coordinate?
        /// Seconds since 1970 of the written date-time (read in the local UTC offset given).
        public var wallClock: Double?
        public var heading: Double?
        public var speed: Double?
        public var altitude: Double?
        public var line: Int
    }

    /// Parses every cue of an SRT text (fields missing from a cue are nil).
    public static func cues(in text: String, localUTCOffset: Double = 0) -> (cues: [Cue], warnings: [TrackWarning]) {
        var out: [Cue] = []
        var warnings: [TrackWarning] = []
        let lines = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\u{FEFF}", with: "")
            .split(separator: "\n", omittingEmptySubsequences: false)
        var i = 0
        while i < lines.count {
            let line = String(lines[i])
            guard let m = cueTime.firstMatch(in: line, range: NSRange(line.startIndex..., in: line)) else {
                i += 1
                continue
            }
            let lineNo = i + 1
            func num(_ k: Int) -> Double { Double(line[Range(m.range(at: k), in: line)!])! }
            func ms(_ k: Int) -> Double {
                let s = line[Range(m.range(at: k), in: line)!]
                return Double(s)! / pow(10, Double(s.count))
            }
            let start = num(1) * 3600 + num(2) * 60 + num(3) + ms(4)
            let end = num(5) * 3600 + num(6) * 60 + num(7) + ms(8)
            var body: [String] = []
            i += 1
            while i < lines.count, !lines[i].trimmingCharacters(in: .whitespaces).isEmpty {
                body.append(String(lines[i]))
                i += 1
            }
            if [num(2), num(3), num(6), num(7)].contains(where: { $0 >= 60 }) {
                warnings.append(TrackWarning(line: lineNo, message: "timecode with minutes or seconds above 59; cue skipped"))
                continue
            }
            var cue = parseBody(body.joined(separator: " "), localUTCOffset: localUTCOffset)
            cue.start = start
            cue.end = end
            cue.line = lineNo
            if end < start { warnings.append(TrackWarning(line: lineNo, message: "cue ends before it starts")) }
            out.append(cue)
        }
        return (out, warnings)
    }

    static func parseBody(_ raw: String, localUTCOffset: Double) -> Cue {
        let text = tag.stringByReplacingMatches(in: raw, range: NSRange(raw.startIndex..., in: raw), withTemplate: " ")
        let ns = text as NSString
        let all = NSRange(location: 0, length: ns.length)
        func first(_ r: NSRegularExpression, _ group: Int = 1) -> Double? {
            guard let m = r.firstMatch(in: text, range: all), m.range(at: group).location != NSNotFound else { return nil }
            return Double(ns.substring(with: m.range(at: group)))
        }
        var cue = Cue(start: 0, end: 0, line: 0)
        if let lat = first(latKey), let lon = first(lonKey) {
            cue.coordinate = Coordinate(latitude: lat, longitude: lon)
        } else if let m = gpsTuple.firstMatch(in: text, range: all) {
            let a = Double(ns.substring(with: m.range(at: 1)))!, b = Double(ns.substring(with: m.range(at: 2)))!
            // DJI writes longitude first; only an impossible latitude says otherwise.
            cue.coordinate = abs(a) <= 90 && abs(b) > 90 ? Coordinate(latitude: a, longitude: b) : Coordinate(latitude: b, longitude: a)
            if m.range(at: 3).location != NSNotFound { cue.altitude = Double(ns.substring(with: m.range(at: 3))) }
        } else if let m = hemiPrefix.firstMatch(in: text, range: all) {
            let lat = Double(ns.substring(with: m.range(at: 2)))! * (ns.substring(with: m.range(at: 1)).uppercased() == "S" ? -1 : 1)
            let lon = Double(ns.substring(with: m.range(at: 4)))! * (ns.substring(with: m.range(at: 3)).uppercased() == "W" ? -1 : 1)
            cue.coordinate = Coordinate(latitude: lat, longitude: lon)
        } else if let m = hemiSuffix.firstMatch(in: text, range: all) {
            let lat = Double(ns.substring(with: m.range(at: 1)))! * (ns.substring(with: m.range(at: 2)).uppercased() == "S" ? -1 : 1)
            let lon = Double(ns.substring(with: m.range(at: 3)))! * (ns.substring(with: m.range(at: 4)).uppercased() == "W" ? -1 : 1)
            cue.coordinate = Coordinate(latitude: lat, longitude: lon)
        }
        if let m = dateTime.firstMatch(in: text, range: all) {
            cue.wallClock = DateTimeParser.parse(Substring(ns.substring(with: m.range)), defaultUTCOffset: localUTCOffset)
        }
        if let m = speedUnit.firstMatch(in: text, range: all), let v = Double(ns.substring(with: m.range(at: 1))) {
            cue.speed = ns.substring(with: m.range(at: 2)).lowercased() == "mph" ? v * 0.44704 : v / 3.6
        } else if let v = first(speedKey) {
            cue.speed = v
        }
        cue.heading = first(headingKey)
        if let a = first(altKey) { cue.altitude = a }
        return cue
    }

    static func read(text: String, name: String, options: TrackReadOptions) throws -> GPSTrack {
        let (cues, cueWarnings) = cues(in: text, localUTCOffset: options.localUTCOffset)
        if cues.isEmpty {
            throw TrackError(.malformed, input: name, reason: "no subtitle cues ('00:00:01,000 --> 00:00:02,000' lines) found")
        }
        return try track(cues: cues, warnings: cueWarnings, name: name, options: options)
    }

    /// A track from subtitle cues read out of a video container (`start`/`end` in clip
    /// seconds, `text` the cue's text). `options.timeOffset` is applied.
    public static func read(cues raw: [(start: Double, end: Double, text: String)], name: String,
                            options: TrackReadOptions = .init()) throws -> GPSTrack {
        if raw.isEmpty {
            throw TrackError(.empty, input: name, reason: "the subtitle stream holds no cues")
        }
        let cues = raw.enumerated().map { i, r -> Cue in
            var c = parseBody(r.text.replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "\\N", with: " "),
                              localUTCOffset: options.localUTCOffset)
            c.start = r.start
            c.end = r.end
            c.line = i + 1
            return c
        }
        var track = try track(cues: cues, warnings: [], name: name, options: options)
        track.source.format = .embeddedSubtitles
        if options.timeOffset != 0 { track = track.shifted(by: options.timeOffset) }
        guard track.points.count >= 2 else {
            let why = track.warnings.first.map { " (first problem: cue \($0))" } ?? ""
            throw TrackError(.empty, input: name, reason: "\(track.points.count) usable fix(es) in the subtitle stream; at least 2 are needed\(why)")
        }
        return track
    }

    private static func track(cues: [Cue], warnings cueWarnings: [TrackWarning], name: String,
                              options: TrackReadOptions) throws -> GPSTrack {
        let reference: TimeReference = options.subtitleWallClock ? .wallClock : .clipTime
        var track = GPSTrack(timeReference: reference, source: TrackSource(format: .srt, name: name), maxGap: options.maxGap)
        for w in cueWarnings { track.warn(w.line, w.message) }
        var withPosition = 0
        for cue in cues {
            guard let c = cue.coordinate else {
                track.warn(cue.line, "cue has no recognisable latitude/longitude; skipped")
                continue
            }
            withPosition += 1
            if c.latitude == 0 && c.longitude == 0 {
                track.warn(cue.line, "cue position is 0,0 (no GPS fix); skipped")
                continue
            }
            var time = cue.start
            if options.subtitleWallClock {
                guard let w = cue.wallClock else {
                    track.warn(cue.line, "cue has no date-time but wall-clock times were asked for; skipped")
                    continue
                }
                time = w
            }
            track.append(TrackPoint(time: time, coordinate: c, heading: cue.heading, speed: cue.speed,
                                    altitude: cue.altitude, line: cue.line))
        }
        if withPosition == 0 {
            throw TrackError(.malformed, input: name,
                             reason: "\(cues.count) subtitle cues but none holds coordinates in a known telemetry format (see docs/patrol.md)")
        }
        track.warnings.sort { ($0.line ?? 0) < ($1.line ?? 0) }   // in file order, as the other readers give them
        return track
    }
}
