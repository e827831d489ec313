import Foundation

/// Reads CSV tracks. The first row may be a header naming the columns (any order, any case):
///
/// | column | names accepted | value |
/// |---|---|---|
/// | wall-clock time | `time`, `timestamp`, `datetime`, `utc` | ISO 8601 date-time, or seconds since 1970 (milliseconds when above 10¹¹) |
/// | clip time | `t`, `pts`, `clip_time`, `seconds` | seconds since the clip's start |
/// | latitude | `lat`, `latitude` | decimal degrees |
/// | longitude | `lon`, `lng`, `long`, `longitude` | decimal degrees |
/// | heading | `heading`, `course`, `bearing`, `cog` | degrees from true north (optional) |
/// | speed | `speed`, `speed_mps` (m/s) or `speed_kmh`, `kmh` (km/h) | optional |
/// | altitude | `alt`, `altitude`, `ele`, `elevation` | metres (optional) |
///
/// Without a header the columns are `time, lat, lon[, heading[, speed]]`. Separators: comma,
/// semicolon or tab. Other columns are ignored.
enum CSVTrackReader {
    private enum Column { case time, clipTime, lat, lon, heading, speed, speedKmh, altitude }

    private static let names: [String: Column] = [
        "time": .time, "timestamp": .time, "datetime": .time, "date_time": .time, "utc": .time,
        "t": .clipTime, "pts": .clipTime, "clip_time": .clipTime, "seconds": .clipTime,
        "lat": .lat, "latitude": .lat,
        "lon": .lon, "lng": .lon, "long": .lon, "longitude": .lon,
        "heading": .heading, "course": .heading, "bearing": .heading, "cog": .heading,
        "speed": .speed, "speed_mps": .speed, "speed_ms": .speed, "speed_kmh": .speedKmh, "kmh": .speedKmh, "speed_kph": .speedKmh,
        "alt": .altitude, "altitude": .altitude, "ele": .altitude, "elevation": .altitude,
    ]

    static func read(text: String, name: String, options: TrackReadOptions) throws -> GPSTrack {
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        guard let firstIndex = lines.firstIndex(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty && !$0.hasPrefix("#") }) else {
            throw TrackError(.empty, input: name, reason: "the CSV track has no rows")
        }
        let first = lines[firstIndex]
        let sep: Character = first.contains("\t") ? "\t" : (first.contains(";") && !first.contains(",") ? ";" : ",")
        func cells(_ l: Substring) -> [String] {
            l.split(separator: sep, omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            }
        }
        var columns: [Int: Column] = [:]
        var dataStart = firstIndex
        let headerCells = cells(first)
        if headerCells.contains(where: { names[$0.lowercased()] == .lat }) {
            for (i, c) in headerCells.enumerated() {
                guard let col = names[c.lowercased()] else { continue }
                if let (j, _) = columns.first(where: { $0.value == col }) {
                    throw TrackError(.malformed, input: name, line: firstIndex + 1,
                                     reason: "the CSV header has the same column twice ('\(headerCells[j])' and '\(c)')")
                }
                columns[i] = col
            }
            dataStart = firstIndex + 1
        } else if Double(headerCells.first ?? "") != nil || DateTimeParser.parse(headerCells.first ?? "") != nil {
            let order: [Column] = [.time, .lat, .lon, .heading, .speed]
            for (i, c) in order.enumerated() where i < headerCells.count { columns[i] = c }
        } else {
            throw TrackError(.malformed, input: name, line: firstIndex + 1,
                             reason: "the CSV header names no 'lat' column (expected e.g. time,lat,lon,heading,speed)")
        }
        let has = Set(columns.values)
        guard has.contains(.lat), has.contains(.lon) else {
            throw TrackError(.malformed, input: name, line: firstIndex + 1, reason: "the CSV header needs both 'lat' and 'lon' columns")
        }
        guard has.contains(.time) || has.contains(.clipTime) else {
            throw TrackError(.malformed, input: name, line: firstIndex + 1,
                             reason: "the CSV header needs a 'time' (wall clock) or 't' (clip seconds) column")
        }
        if has.contains(.time) && has.contains(.clipTime) { columns = columns.filter { $0.value != .clipTime } }
        let reference: TimeReference = has.contains(.time) ? .wallClock : .clipTime
        var track = GPSTrack(timeReference: reference, source: TrackSource(format: .csv, name: name), maxGap: options.maxGap)
        let required = columns.filter { [.time, .clipTime, .lat, .lon].contains($0.value) }.keys.max()! + 1
        for n in dataStart..<lines.count {
            let raw = lines[n]
            let lineNo = n + 1
            if raw.trimmingCharacters(in: .whitespaces).isEmpty || raw.hasPrefix("#") { continue }
            let c = cells(raw)
            guard c.count >= required else {
                track.warn(lineNo, "row has \(c.count) fields, expected at least \(required); skipped")
                continue
            }
            var time: Double?, lat: Double?, lon: Double?, heading: Double?, speed: Double?, alt: Double?
            var bad: String?
            for (i, col) in columns where i < c.count {
                let v = c[i]
                switch col {
                case .time:
                    if let x = Double(v) { time = x > 1e11 ? x / 1000 : x } else { time = DateTimeParser.parse(v, defaultUTCOffset: options.localUTCOffset) }
                    if time == nil { bad = "time '\(v)' is neither ISO 8601 nor seconds since 1970" }
                    else if !(0...32_503_679_999).contains(time!) { bad = "time '\(v)' is not from 1970 to 2999"; time = nil }
                case .clipTime:
                    time = Double(v)
                    if time == nil || !time!.isFinite || abs(time!) > 1e7 { bad = "clip time '\(v)' is not a number of seconds (at most 10⁷)"; time = nil }
                case .lat:
                    lat = Double(v)
                    if lat == nil || abs(lat!) > 90 { bad = "latitude '\(v)' is not a number in −90…90" }
                case .lon:
                    lon = Double(v)
                    if lon == nil || abs(lon!) > 180 { bad = "longitude '\(v)' is not a number in −180…180" }
                case .heading: if !v.isEmpty { heading = Double(v); if heading == nil { bad = "heading '\(v)' is not a number" } }
                case .speed: if !v.isEmpty { speed = Double(v); if speed == nil { bad = "speed '\(v)' is not a number" } }
                case .speedKmh: if !v.isEmpty { speed = Double(v).map { $0 / 3.6 }; if speed == nil { bad = "speed '\(v)' is not a number" } }
                case .altitude: if !v.isEmpty { alt = Double(v) }
                }
                if bad != nil { break }
            }
            if let bad {
                track.warn(lineNo, bad + "; row skipped")
                continue
            }
            guard let time, let lat, let lon else { continue }
            track.append(TrackPoint(time: time, coordinate: Coordinate(latitude: lat, longitude: lon),
                                    heading: heading, speed: speed, altitude: alt, line: lineNo))
        }
        return track
    }
}
