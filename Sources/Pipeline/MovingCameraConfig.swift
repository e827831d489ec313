import Foundation
import Geo

/// A camera on a patrol vehicle (`moving: true` in the config; docs/patrol.md, docs/config.md).
public struct MovingCameraConfig: Sendable, Equatable {
    /// Where the camera sits on the vehicle.
    public var mount: CameraMount
    /// Confirmation, dedup and clearing rules that replace dwell time.
    public var rules: PatrolRuleSettings
    /// Where the GPS track comes from: a file path (GPX, NMEA, CSV, SRT), `subtitles` (an SRT
    /// sidecar beside each clip or a subtitle stream inside it), or `udp://HOST:PORT` /
    /// `tcp://HOST:PORT` for NMEA sentences arriving live. nil: only `--gps` gives one.
    public var gps: String?
    /// Seconds added to the track's times (clock skew).
    public var gpsOffset: Double

    public init(mount: CameraMount = CameraMount(), rules: PatrolRuleSettings = .defaults, gps: String? = nil,
                gpsOffset: Double = 0) {
        self.mount = mount; self.rules = rules; self.gps = gps; self.gpsOffset = gpsOffset
    }

    /// Camera keys this adds to the config.
    static let keys = ["moving", "mount", "patrol", "gps", "gps_offset"]

    /// Reads the moving-camera keys of one camera mapping over `base` (the defaults' setting):
    /// nil for a fixed camera. `mount`, `patrol`, `gps` and `gps_offset` on a fixed camera are an
    /// error.
    static func parse(_ m: [String: YAMLNode], context n: YAMLNode, base: MovingCameraConfig?) throws -> MovingCameraConfig? {
        func ctx(_ x: YAMLNode) -> YAMLNode { YAMLNode(node: x.node, context: n.context, file: n.file) }
        var moving = base != nil
        if let v = m["moving"] {
            switch try ctx(v).string("moving").lowercased() {
            case "true", "yes", "on": moving = true
            case "false", "no", "off": moving = false
            case let s: throw ctx(v).fail("moving must be true or false, not '\(s)'")
            }
        }
        guard moving else {
            if let k = ["mount", "patrol", "gps", "gps_offset"].first(where: { m[$0] != nil }) {
                throw ctx(m[k]!).fail("'\(k)' applies to moving cameras only: add 'moving: true'")
            }
            return nil
        }
        var c = base ?? MovingCameraConfig()
        if let mt = m["mount"] {
            let mn = ctx(mt)
            let mm = try mn.mapping(allowed: ["height_m", "pitch_deg", "heading_offset_deg", "hfov_deg", "aspect", "max_range_m"])
            if let v = mm["height_m"] { c.mount.height = try ctx(v).double("mount height_m", in: 0.1...50) }
            if let v = mm["pitch_deg"] { c.mount.pitch = try ctx(v).double("mount pitch_deg (down from horizontal)", in: -44...89) }
            if let v = mm["heading_offset_deg"] { c.mount.headingOffset = try ctx(v).double("mount heading_offset_deg", in: -360...360) }
            if let v = mm["hfov_deg"] { c.mount.horizontalFOV = try ctx(v).double("mount hfov_deg", in: 1...179) }
            if let v = mm["aspect"] { c.mount.aspectRatio = try ctx(v).double("mount aspect (width/height)", in: 0.1...10) }
            if let v = mm["max_range_m"] { c.mount.maxRange = try ctx(v).double("mount max_range_m", in: 1...500) }
        }
        if let p = m["patrol"] {
            let pm = try ctx(p).mapping(allowed: ["dedup_m", "min_sightings", "window_m", "new_pass_m", "clear_frames", "clear_range_m"])
            if let v = pm["dedup_m"] { c.rules.dedupRadius = try ctx(v).double("patrol dedup_m", in: 0.5...1000) }
            if let v = pm["min_sightings"] { c.rules.minSightings = Int(try ctx(v).double("patrol min_sightings", in: 1...100)) }
            if let v = pm["window_m"] { c.rules.confirmWindow = try ctx(v).double("patrol window_m", in: 0...10_000) }
            if let v = pm["new_pass_m"] { c.rules.newPassDistance = try ctx(v).double("patrol new_pass_m", in: 1...100_000) }
            if let v = pm["clear_frames"] { c.rules.clearFrames = Int(try ctx(v).double("patrol clear_frames", in: 1...1000)) }
            if let v = pm["clear_range_m"] { c.rules.clearRange = try ctx(v).double("patrol clear_range_m", in: 1...500) }
        }
        if let g = m["gps"] {
            let s = try ctx(g).string("gps")
            guard !s.isEmpty else { throw ctx(g).fail("gps is empty (a track file, 'subtitles', udp://HOST:PORT or tcp://HOST:PORT)") }
            if s.contains("://") {
                guard let u = URLComponents(string: s), ["udp", "tcp"].contains(u.scheme ?? ""), u.port != nil else {
                    throw ctx(g).fail("gps '\(s)': live tracks are udp://HOST:PORT or tcp://HOST:PORT (NMEA sentences)")
                }
            }
            c.gps = s
        }
        if let o = m["gps_offset"] { c.gpsOffset = try ctx(o).double("gps_offset (seconds)", in: -86_400...86_400) }
        return c
    }
}
