import Foundation

/// How to read a track.
public struct TrackReadOptions: Sendable {
    /// Seconds added to every time in the track (clock-skew correction: positive when the
    /// GPS clock runs behind the camera's clock).
    public var timeOffset: Double
    /// Gap threshold in seconds (see `GPSTrack.maxGap`).
    public var maxGap: Double
    /// Seconds east of UTC assumed for times written without a zone (DJI and dashcam
    /// subtitles write local time; GPX, NMEA are UTC by definition).
    public var localUTCOffset: Double
    /// The UTC day (seconds since 1970 of its midnight) for NMEA logs that hold only GGA
    /// sentences, which carry no date.
    public var nmeaDate: Double?
    /// For subtitle telemetry: use the absolute date-time written in each cue (wall clock)
    /// instead of the cue's start time in the clip. Off by default: cue times are exact to the
    /// frame, while the written date-time is in the camera's local, often unsynchronised clock.
    public var subtitleWallClock: Bool

    public init(timeOffset: Double = 0, maxGap: Double = GPSTrack.defaultMaxGap, localUTCOffset: Double = 0,
                nmeaDate: Double? = nil, subtitleWallClock: Bool = false) {
        self.timeOffset = timeOffset
        self.maxGap = maxGap
        self.localUTCOffset = localUTCOffset
        self.nmeaDate = nmeaDate
        self.subtitleWallClock = subtitleWallClock
    }
}

/// Reads GPS tracks from files or text in any supported format.
public enum TrackReader {
    /// Reads the track at `path`. The format comes from the extension (`.gpx`, `.nmea`/`.nma`/
    /// `.log`, `.csv`, `.srt`) or, failing that, from the content.
    public static func read(path: String, format: TrackFormat? = nil, options: TrackReadOptions = .init()) throws -> GPSTrack {
        if let reason = FileProblem.reason(path) { throw TrackError(.unreadable, input: path, reason: reason) }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TrackError(.unreadable, input: path, reason: "cannot read the file")
        }
        guard let text = String(data: data, encoding: .utf8) ?? String(data: data, encoding: .isoLatin1) else {
            throw TrackError(.unreadable, input: path, reason: "not a text file")
        }
        return try read(text: text, name: path, format: format ?? detectFormat(path: path, text: text), options: options)
    }

    /// Reads a track from text already in memory; `name` is used in messages and the source.
    public static func read(text: String, name: String, format: TrackFormat?, options: TrackReadOptions = .init()) throws -> GPSTrack {
        guard options.timeOffset.isFinite else {
            throw TrackError(.invalidOption, input: name, reason: "time offset must be a finite number of seconds")
        }
        guard options.maxGap > 0 else {
            throw TrackError(.invalidOption, input: name, reason: "gap threshold must be positive")
        }
        let fmt = try format ?? detectFormat(path: name, text: text)
        var track: GPSTrack
        switch fmt {
        case .gpx: track = try GPXReader.read(text: text, name: name, options: options)
        case .nmea, .liveNMEA: track = try NMEAReader.read(text: text, name: name, options: options)
        case .csv: track = try CSVTrackReader.read(text: text, name: name, options: options)
        case .srt, .embeddedSubtitles: track = try SRTTelemetryReader.read(text: text, name: name, options: options)
        }
        track.source.format = fmt
        if options.timeOffset != 0 { track = track.shifted(by: options.timeOffset) }
        guard track.points.count >= 2 else {
            let why = track.warnings.first.map { " (first problem: \($0))" } ?? ""
            throw TrackError(.empty, input: name, reason: "\(track.points.count) usable fix(es) in the \(fmt.rawValue) track; at least 2 are needed\(why)")
        }
        return track
    }

    /// The format a path's extension or its first meaningful line suggests.
    public static func detectFormat(path: String, text: String) throws -> TrackFormat {
        switch (path as NSString).pathExtension.lowercased() {
        case "gpx": return .gpx
        case "nmea", "nma": return .nmea
        case "csv": return .csv
        case "srt": return .srt
        default: break
        }
        for raw in text.split(whereSeparator: \.isNewline).prefix(20) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty { continue }
            if line.hasPrefix("<?xml") || line.hasPrefix("<gpx") { return .gpx }
            if line.hasPrefix("$") || line.hasPrefix("!") { return .nmea }
            if line.contains("-->") { return .srt }
            if line.lowercased().contains("lat") && line.contains(",") { return .csv }
        }
        throw TrackError(.unknownFormat, input: path,
                         reason: "cannot tell the track format; use a .gpx, .nmea, .csv or .srt file")
    }
}
