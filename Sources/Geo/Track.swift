import Foundation

/// The file format (or live feed) a track came from.
public enum TrackFormat: String, Sendable, Codable, CaseIterable {
    case gpx, nmea, csv, srt
    /// Subtitle telemetry read from a subtitle stream inside the video container.
    case embeddedSubtitles = "srt-stream"
    /// NMEA sentences arriving live over a socket.
    case liveNMEA = "nmea-live"
}

/// Where a track came from, stored with events so a position can be traced to its source.
public struct TrackSource: Hashable, Sendable, Codable, CustomStringConvertible {
    public var format: TrackFormat
    /// The file path or socket address.
    public var name: String
    /// Seconds added to the source's times (clock-skew correction).
    public var timeOffset: Double

    public init(format: TrackFormat, name: String, timeOffset: Double = 0) {
        self.format = format
        self.name = name
        self.timeOffset = timeOffset
    }

    /// "gpx:drive.gpx" or "nmea:track.nmea@+2.5s".
    public var description: String {
        timeOffset == 0 ? "\(format.rawValue):\(name)"
            : "\(format.rawValue):\(name)@\(timeOffset >= 0 ? "+" : "")\(formatSeconds(timeOffset))s"
    }
}

func formatSeconds(_ s: Double) -> String {
    s == s.rounded() && abs(s) < 1e15 ? String(Int64(s)) : String(format: "%.3f", s)
}

/// A GPS track: fixes in strictly increasing time order, with interpolation of position and
/// heading at any instant inside it.
public struct GPSTrack: Sendable {
    /// Gap threshold by default: fixes further apart than this (seconds) are not interpolated
    /// across. Receivers log at 1–10 Hz; 5 s at 30 km/h is 42 m of unknown road.
    public static let defaultMaxGap: Double = 5
    /// Below this speed (m/s) a receiver's course is noise and the motion bearing is used.
    public static let minCourseSpeed: Double = 1.0
    /// Fixes closer than this (metres) give no motion bearing; the last one is carried.
    public static let minMotionForBearing: Double = 1.5

    public private(set) var points: [TrackPoint] = []
    public let timeReference: TimeReference
    public var source: TrackSource
    /// Seconds; lookups between fixes further apart than this report `.inGap`.
    public var maxGap: Double
    /// What the reader skipped or tolerated, in input order.
    public var warnings: [TrackWarning] = []
    /// Metres from the first fix to each fix, along the polyline.
    public private(set) var cumulativeDistance: [Double] = []
    /// Heading of each segment i (points i → i+1), with its source.
    private var segmentHeadings: [(Double, HeadingSource)?] = []
    /// Last motion bearing seen up to each segment, for carrying over stops.
    private var lastMotionHeading: Double?

    public init(timeReference: TimeReference, source: TrackSource, maxGap: Double = GPSTrack.defaultMaxGap) {
        self.timeReference = timeReference
        self.source = source
        self.maxGap = maxGap
    }

    /// A track from fixes already cleaned by a reader (strictly increasing times).
    /// Points that break the order are dropped with a warning.
    public init(points: [TrackPoint], timeReference: TimeReference, source: TrackSource,
                maxGap: Double = GPSTrack.defaultMaxGap, warnings: [TrackWarning] = []) {
        self.init(timeReference: timeReference, source: source, maxGap: maxGap)
        self.warnings = warnings
        for p in points { append(p) }
    }

    public var isEmpty: Bool { points.isEmpty }
    public var startTime: Double? { points.first?.time }
    public var endTime: Double? { points.last?.time }
    /// Total metres driven.
    public var length: Double { cumulativeDistance.last ?? 0 }

    /// Appends a fix. A fix not strictly later than the last one, or with an invalid position,
    /// is dropped with a warning and `false` is returned.
    @discardableResult
    public mutating func append(_ p: TrackPoint) -> Bool {
        guard p.coordinate.isValid, p.time.isFinite else {
            warn(p.line, "position \(p.coordinate) or time is out of range; fix dropped")
            return false
        }
        if let last = points.last {
            if p.time <= last.time {
                let what = p.time == last.time ? "repeats the time of the previous fix" : String(format: "goes back %.3f s in time", last.time - p.time)
                warn(p.line, "fix \(what) (times must increase); fix dropped")
                return false
            }
            if p.time - last.time > maxGap {
                warn(p.line, String(format: "gap of %.1f s before this fix (threshold %.1f s); positions inside it are not interpolated", p.time - last.time, maxGap))
            }
            let d = Earth.distance(last.coordinate, p.coordinate)
            cumulativeDistance.append(cumulativeDistance.last! + d)
            segmentHeadings.append(segmentHeading(from: last, to: p, distance: d))
        } else {
            cumulativeDistance.append(0)
        }
        points.append(p)
        return true
    }

    /// Records a warning (kept to the first 200, then counted in a final line).
    mutating func warn(_ line: Int?, _ message: String) {
        if warnings.count < 200 {
            warnings.append(TrackWarning(line: line, message: message))
        } else if warnings.count == 200 {
            warnings.append(TrackWarning(line: nil, message: "further warnings suppressed"))
        }
    }

    private mutating func segmentHeading(from a: TrackPoint, to b: TrackPoint, distance d: Double) -> (Double, HeadingSource)? {
        if let ha = a.heading, let hb = b.heading,
           (a.speed ?? .infinity) >= GPSTrack.minCourseSpeed, (b.speed ?? .infinity) >= GPSTrack.minCourseSpeed,
           d >= GPSTrack.minMotionForBearing || (a.speed != nil && b.speed != nil) {
            lastMotionHeading = Angle.normalized(hb)
            return (Angle.normalized(ha), .course)
        }
        if d >= GPSTrack.minMotionForBearing {
            let h = Earth.bearing(from: a.coordinate, to: b.coordinate)
            lastMotionHeading = h
            return (h, .motion)
        }
        if let h = lastMotionHeading { return (h, .carried) }
        return nil
    }

    /// The same track with every time shifted by `seconds` (positive: the track's clock was
    /// behind the video's). Offsets accumulate in `source.timeOffset`.
    public func shifted(by seconds: Double) -> GPSTrack {
        var s = source
        s.timeOffset += seconds
        var t = GPSTrack(timeReference: timeReference, source: s, maxGap: maxGap)
        for var p in points {
            p.time += seconds
            t.append(p)
        }
        t.warnings = warnings
        return t
    }

    /// Index of the last fix with time ≤ t (nil when t precedes the track).
    func index(atOrBefore t: Double) -> Int? {
        var lo = 0, hi = points.count - 1
        guard hi >= 0, t >= points[0].time else { return nil }
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if points[mid].time <= t { lo = mid } else { hi = mid - 1 }
        }
        return lo
    }

    /// Position, heading and speed at `t` (seconds in the track's time reference).
    public func lookup(_ t: Double) -> TrackLookup {
        guard let first = points.first, let last = points.last else { return .noFixes }
        if t < first.time { return .beforeStart(seconds: first.time - t) }
        if t > last.time { return .afterEnd(seconds: t - last.time) }
        let i = index(atOrBefore: t)!
        if i == points.count - 1 {
            return .fix(sample(segment: max(0, i - 1), fraction: points.count == 1 ? 0 : 1, time: t))
        }
        let a = points[i], b = points[i + 1]
        if b.time - a.time > maxGap {
            if t == a.time, i > 0, a.time - points[i - 1].time <= maxGap {
                return .fix(sample(segment: i - 1, fraction: 1, time: t))
            }
            if t == a.time { return .fix(sample(segment: i, fraction: 0, time: t)) }
            return .inGap(from: a.time, to: b.time)
        }
        return .fix(sample(segment: i, fraction: (t - a.time) / (b.time - a.time), time: t))
    }

    /// Lookup for a frame: clip-time tracks use the frame's presentation time, wall-clock tracks
    /// its wall-clock time.
    public func lookup(pts: Double, wallClock: Date) -> TrackLookup {
        lookup(timeReference == .clipTime ? pts : wallClock.timeIntervalSince1970)
    }

    private func sample(segment i: Int, fraction f: Double, time t: Double) -> TrackSample {
        if points.count == 1 {
            let p = points[0]
            return TrackSample(time: t, coordinate: p.coordinate, heading: p.heading.map(Angle.normalized),
                               headingSource: p.heading == nil ? nil : .course, speed: p.speed,
                               altitude: p.altitude, distanceAlongRoute: 0)
        }
        let a = points[i], b = points[i + 1]
        // Linear in latitude/longitude: fixes are metres apart, where this equals the great circle.
        var dLon = b.coordinate.longitude - a.coordinate.longitude
        if dLon > 180 { dLon -= 360 } else if dLon < -180 { dLon += 360 }
        var lon = a.coordinate.longitude + dLon * f
        if lon > 180 { lon -= 360 } else if lon < -180 { lon += 360 }
        let c = Coordinate(latitude: a.coordinate.latitude + (b.coordinate.latitude - a.coordinate.latitude) * f,
                           longitude: lon)
        var heading: Double?
        var source: HeadingSource?
        if let (h, s) = segmentHeadings[i] {
            source = s
            if s == .course, let ha = a.heading, let hb = b.heading {
                heading = Angle.interpolate(ha, hb, f)
            } else {
                heading = h
            }
        }
        let dt = b.time - a.time
        let segLength = cumulativeDistance[i + 1] - cumulativeDistance[i]
        var speed: Double?
        if let sa = a.speed, let sb = b.speed { speed = sa + (sb - sa) * f } else if dt > 0 { speed = segLength / dt }
        var alt: Double?
        if let aa = a.altitude, let ab = b.altitude { alt = aa + (ab - aa) * f } else { alt = a.altitude ?? b.altitude }
        return TrackSample(time: t, coordinate: c, heading: heading, headingSource: source, speed: speed,
                           altitude: alt, distanceAlongRoute: cumulativeDistance[i] + segLength * f)
    }

    /// Intervals (start, end) between consecutive fixes further apart than `maxGap`.
    public var gaps: [(from: Double, to: Double)] {
        guard points.count > 1 else { return [] }
        var out: [(Double, Double)] = []
        for i in 0..<(points.count - 1) where points[i + 1].time - points[i].time > maxGap {
            out.append((points[i].time, points[i + 1].time))
        }
        return out
    }
}
