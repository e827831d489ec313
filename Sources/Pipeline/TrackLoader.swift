import Foundation
import Geo
import VideoIO

/// Finds and reads the GPS track of a moving camera's clip.
public enum TrackLoader {
    /// The track for `clip`:
    /// 1. `explicit` (`--gps TRACK`), a file in any supported format;
    /// 2. else the camera's `gps` setting: a file path, or `subtitles`;
    /// 3. for `subtitles` (and as the last resort for a moving camera with no `gps`): an SRT
    ///    sidecar beside the clip (`CLIP.srt`/`CLIP.SRT`), else the clip's own subtitle stream.
    /// `offset` (`--gps-offset`) overrides the camera's `gps_offset`. Returns nil when no track
    /// applies (a fixed camera without `--gps`); throws a one-line error naming the track when
    /// one was asked for and cannot be read.
    public static func track(forClip clip: String, explicit: String?, offset: Double?, moving: MovingCameraConfig?,
                             timeZone: TimeZone, clipStart: Date? = nil) throws -> GPSTrack? {
        let localOffset = Double(timeZone.secondsFromGMT(for: clipStart ?? Date()))
        let options = TrackReadOptions(timeOffset: offset ?? moving?.gpsOffset ?? 0, localUTCOffset: localOffset)
        if let explicit {
            return try TrackReader.read(path: explicit, options: options)
        }
        guard let moving else { return nil }
        let setting = moving.gps ?? "subtitles"
        if setting.contains("://") {
            throw PatrolError("\(clip): the camera's gps is a live feed (\(setting)); give the clip's track with --gps TRACK")
        }
        if setting != "subtitles" {
            return try TrackReader.read(path: setting, options: options)
        }
        let stem = (clip as NSString).deletingPathExtension
        for ext in ["srt", "SRT"] where FileManager.default.fileExists(atPath: "\(stem).\(ext)") {
            return try TrackReader.read(path: "\(stem).\(ext)", format: .srt, options: options)
        }
        if FileManager.default.fileExists(atPath: clip), let cues = try SubtitleTrack.cues(path: clip), !cues.isEmpty {
            return try SRTTelemetryReader.read(cues: cues.map { ($0.start, $0.end, $0.text) }, name: "\(clip)#subtitles",
                                               options: options)
        }
        throw PatrolError("\(clip): moving camera without a track: no --gps, no \(URL(fileURLWithPath: stem).lastPathComponent).srt beside it and no subtitle telemetry inside it")
    }
}

/// A patrol-specific failure with a one-line message.
public struct PatrolError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
