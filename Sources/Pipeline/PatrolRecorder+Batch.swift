import Foundation
import Geo
import Rules

/// What `BatchRunner` and the live runner need of a recorder, fixed or moving.
public protocol SampleRecorder: AnyObject {
    func process(_ sample: Sample, image: () throws -> RGBCanvas) throws
    func finish() throws
    var stored: Int { get }
    var skipped: Int { get }
    var newCases: Int { get }
    var countsByClass: [String: Int] { get }
}

extension IncidentRecorder: SampleRecorder {}
extension PatrolRecorder: SampleRecorder {}

/// A moving camera clip's GPS facts, for the clip summary.
public struct PatrolSummary: Sendable {
    public var trackSource: String
    public var fixes: Int
    public var trackWarnings: Int
    public var firstWarning: String?
    public var unpositioned: UnpositionedSamples
    public var projected: Int
    public var fallbacks: Int
    public var cleared: Int

    /// "gps gpx:drive.gpx (412 fixes, 1 warning), 2 place(s) cleared, 3 sample(s) had no GPS fix (…)".
    public var line: String {
        var s = "gps \(trackSource) (\(fixes) fixes"
        if trackWarnings > 0 { s += ", \(trackWarnings) warning(s), first: \(firstWarning ?? "")" }
        s += ")"
        if cleared > 0 { s += ", \(cleared) place(s) cleared" }
        if let u = unpositioned.summary { s += ", " + u }
        return s
    }

    public var jsonObject: [String: Any] {
        ["track_source": trackSource, "fixes": fixes, "track_warnings": trackWarnings,
         "first_warning": firstWarning ?? NSNull(), "samples_without_fix": unpositioned.total,
         "samples_before_track": unpositioned.beforeTrack, "samples_after_track": unpositioned.afterTrack,
         "samples_in_gaps": unpositioned.inGap, "projected_detections": projected,
         "vehicle_position_detections": fallbacks, "cleared": cleared]
    }
}

extension PatrolRecorder {
    public func summary(track: GPSTrack) -> PatrolSummary {
        PatrolSummary(trackSource: track.source.description, fixes: track.points.count, trackWarnings: track.warnings.count,
                      firstWarning: track.warnings.first?.description, unpositioned: unpositioned, projected: projected,
                      fallbacks: fallbacks, cleared: cleared)
    }
}
