import Foundation
import Geo
import Rules

/// What `BatchRunner` and the live runner need of a recorder, fixed or moving.
public protocol SampleRecorder: AnyObject {
    func process(_ sample: Sample, image: @escaping () throws -> RGBCanvas) throws
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
    /// Advice about the run, e.g. a sampling rate too low for a moving camera.
    public var note: String?

    /// "gps gpx:drive.gpx (412 fixes, 1 warning), 2 place(s) cleared, 3 sample(s) had no GPS fix (…)".
    public var line: String {
        var s = "gps \(trackSource) (\(fixes) fixes"
        if trackWarnings > 0 { s += ", \(trackWarnings) warning(s), first: \(firstWarning ?? "")" }
        s += ")"
        if cleared > 0 { s += ", \(cleared) place(s) cleared" }
        if let u = unpositioned.summary { s += ", " + u }
        if let note { s += "; " + note }
        return s
    }

    public var jsonObject: [String: Any] {
        ["track_source": trackSource, "fixes": fixes, "track_warnings": trackWarnings,
         "first_warning": firstWarning ?? NSNull(), "samples_without_fix": unpositioned.total,
         "samples_before_track": unpositioned.beforeTrack, "samples_after_track": unpositioned.afterTrack,
         "samples_in_gaps": unpositioned.inGap, "projected_detections": projected,
         "vehicle_position_detections": fallbacks, "cleared": cleared, "note": note ?? NSNull()]
    }
}

extension PatrolRecorder {
    /// `samples` over `mediaSeconds` below 0.9 a second earns a note: moving cameras need about
    /// one sample a second for the confirmation rule (docs/patrol.md §3).
    public func summary(track: GPSTrack, samples: Int = 0, mediaSeconds: Double = 0) -> PatrolSummary {
        var s = PatrolSummary(trackSource: track.source.description, fixes: track.points.count, trackWarnings: track.warnings.count,
                              firstWarning: track.warnings.first?.description, unpositioned: unpositioned, projected: projected,
                              fallbacks: fallbacks, cleared: cleared)
        if mediaSeconds > 5, Double(samples) / mediaSeconds < 0.9 {
            s.note = String(format: "only %.2f samples/s: a moving camera needs about 1/s (sampling: {fps: 2})", Double(samples) / mediaSeconds)
        }
        return s
    }
}
