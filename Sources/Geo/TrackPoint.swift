import Foundation

/// What a track's times count from.
public enum TimeReference: String, Sendable, Codable {
    /// Seconds since 1970-01-01 UTC: match against a frame's wall-clock time.
    case wallClock = "wall_clock"
    /// Seconds since the start of the clip the track belongs to (subtitle telemetry):
    /// match against a frame's presentation time.
    case clipTime = "clip_time"
}

/// One fix of a GPS track.
public struct TrackPoint: Hashable, Sendable, Codable {
    /// Seconds, counted as the track's `TimeReference` says.
    public var time: Double
    public var coordinate: Coordinate
    /// Course over ground, degrees clockwise from true north, when the receiver reported one.
    public var heading: Double?
    /// Speed over ground in metres per second, when reported.
    public var speed: Double?
    /// Altitude in metres, when reported.
    public var altitude: Double?
    /// 1-based line of the input the fix came from (for messages).
    public var line: Int?

    public init(time: Double, coordinate: Coordinate, heading: Double? = nil, speed: Double? = nil,
                altitude: Double? = nil, line: Int? = nil) {
        self.time = time
        self.coordinate = coordinate
        self.heading = heading
        self.speed = speed
        self.altitude = altitude
        self.line = line
    }
}

/// Where the heading of a `TrackSample` came from.
public enum HeadingSource: String, Sendable, Codable {
    /// The receiver's course over ground, interpolated.
    case course
    /// The bearing of the vehicle's motion between the fixes around the sample.
    case motion
    /// The last heading seen while moving, carried over a stop.
    case carried
}

/// The vehicle's interpolated state at one instant.
public struct TrackSample: Hashable, Sendable {
    public var time: Double
    public var coordinate: Coordinate
    /// Degrees clockwise from true north; nil when the vehicle has not moved yet and the
    /// receiver gave no course.
    public var heading: Double?
    public var headingSource: HeadingSource?
    /// Metres per second (reported, or derived from the fixes around the sample).
    public var speed: Double?
    public var altitude: Double?
    /// Metres driven from the track's first fix to this instant.
    public var distanceAlongRoute: Double
}

/// The answer to "where was the vehicle at time t?". Times outside the track or inside a gap
/// are reported as such and never guessed.
public enum TrackLookup: Hashable, Sendable {
    case fix(TrackSample)
    /// `t` lies `seconds` before the first fix.
    case beforeStart(seconds: Double)
    /// `t` lies `seconds` after the last fix.
    case afterEnd(seconds: Double)
    /// `t` falls between two fixes further apart than the track's gap threshold.
    case inGap(from: Double, to: Double)
    /// The track holds no fixes yet (a live track before its first sentence).
    case noFixes

    public var sample: TrackSample? {
        if case .fix(let s) = self { return s }
        return nil
    }

    /// A short phrase for logs: "no fix: 3.2 s before the track starts".
    public var explanation: String {
        switch self {
        case .fix(let s): return "fix at \(s.coordinate)"
        case .beforeStart(let s): return "no fix: \(Self.seconds(s)) s before the track starts"
        case .afterEnd(let s): return "no fix: \(Self.seconds(s)) s after the track ends"
        case .inGap(let a, let b): return String(format: "no fix: inside a %.1f s gap in the track", b - a)
        case .noFixes: return "no fix: the track is empty"
        }
    }

    /// "3590.0", or "1.2e+12" for a distance no clock error explains (never hundreds of digits).
    static func seconds(_ s: Double) -> String {
        abs(s) < 1e9 ? String(format: "%.1f", s) : String(format: "%.2g", s)
    }
}
