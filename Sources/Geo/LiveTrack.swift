import Foundation

/// A track that grows while a drive is under way, fed NMEA lines as they arrive (from a UDP or
/// TCP socket). Safe to feed from one thread and query from others.
///
/// Fixes are emitted one epoch late (a receiver's RMC and GGA for the same second are merged
/// when the next second's first sentence arrives), so a frame should be looked up once the
/// track's `endTime` has passed the frame's time, or after a short wait.
public final class LiveTrack: @unchecked Sendable {
    private let lock = NSLock()
    private var track: GPSTrack
    private var parser: NMEAParser
    private var lineCount = 0
    private let timeOffset: Double

    /// `name` is the socket address (for the track source), `timeOffset` seconds are added to
    /// every fix (clock skew).
    public init(name: String, timeOffset: Double = 0, maxGap: Double = GPSTrack.defaultMaxGap, nmeaDate: Double? = nil) {
        track = GPSTrack(timeReference: .wallClock, source: TrackSource(format: .liveNMEA, name: name, timeOffset: timeOffset),
                      maxGap: maxGap)
        parser = NMEAParser(defaultDate: nmeaDate)
        self.timeOffset = timeOffset
    }

    /// Feeds one line; returns a warning when the line was rejected or its fix dropped.
    @discardableResult
    public func feed(line: String) -> TrackWarning? {
        lock.lock()
        defer { lock.unlock() }
        lineCount += 1
        return take(parser.parse(line: Substring(line), lineNumber: lineCount))
    }

    /// Emits the fix waiting for its epoch to end (call when the feed closes).
    public func flush() {
        lock.lock()
        defer { lock.unlock() }
        _ = take(parser.flush())
    }

    private func take(_ r: NMEAResult) -> TrackWarning? {
        switch r {
        case .none: return nil
        case .rejected(let why):
            let w = TrackWarning(line: lineCount, message: why)
            track.warn(lineCount, why)
            return w
        case .fix(var p):
            p.time += timeOffset
            let before = track.warnings.count
            if track.append(p) && track.warnings.count == before { return nil }
            return track.warnings.last
        }
    }

    public func lookup(_ t: Double) -> TrackLookup {
        lock.lock()
        defer { lock.unlock() }
        return track.lookup(t)
    }

    /// Time of the newest fix.
    public var endTime: Double? {
        lock.lock()
        defer { lock.unlock() }
        return track.endTime
    }

    /// A copy of the track so far.
    public var snapshot: GPSTrack {
        lock.lock()
        defer { lock.unlock() }
        return track
    }
}
