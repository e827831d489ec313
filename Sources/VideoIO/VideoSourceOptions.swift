import DateFields
import Foundation

/// How to open an input. Typed fields cover what users commonly need; anything else passes
/// straight to FFmpeg through `extra` (`key=value`, as on the ffmpeg command line).
public struct VideoSourceOptions: Equatable, Sendable {
    /// RTSP lower transport.
    public enum RTSPTransport: String, Sendable {
        case tcp, udp, udpMulticast = "udp_multicast", http, https
    }

    /// RTSP transport; `nil` means TCP first, then UDP if the server refuses or fails TCP.
    public var rtspTransport: RTSPTransport?
    /// Seconds allowed for opening the input and probing its streams (0 = no limit).
    /// Enforced through FFmpeg's interrupt callback, so it also bounds DNS, connect and
    /// waiting for a publisher on a listening URL.
    public var openTimeout: Double = 15
    /// Seconds allowed for reading one packet once open (0 = no limit); a stalled live stream
    /// fails with `.timedOut` after this long.
    public var readTimeout: Double = 10
    /// Socket receive buffer in bytes (`buffer_size` for udp/rtp/rtsp, `recv_buffer_size` for tcp).
    public var bufferSize: Int?
    /// Wall-clock time of presentation time 0, overriding what the input says (`--start`).
    public var start: Date?
    /// Decoder threads (0 = FFmpeg picks). One by default: the inference engine owns the cores.
    public var threads: Int = 1
    /// Force a demuxer by FFmpeg name (`mpegts`, `image2`, …) instead of probing.
    public var format: String?
    /// Treat the input as live (arrival-time wall clock, reconnectable) or not; `nil` decides
    /// from the URL scheme and whether the input has a known duration.
    public var live: Bool?
    /// Decode the 8-bit 4:2:0 pictures of a recorded (not live) input, on one decoder thread,
    /// into memory the kernel may back with 2 MiB pages (fewer page faults and TLB misses; see
    /// `sw_huge_map`). Off: FFmpeg's default buffers. The pictures are the same either way.
    public var hugePageFrames = true
    /// Extra FFmpeg options (format, protocol or decoder), passed through unchanged. Options
    /// that no FFmpeg component recognises make `VideoSource.init` throw `.invalidOption`.
    public var extra: [String: String] = [:]

    public init() {}

    /// Applies one `key=value` setting as a user writes it on the command line or in a config:
    /// `transport`/`rtsp_transport`, `open_timeout`, `read_timeout`/`timeout` (seconds),
    /// `buffer_size` (bytes), `threads`, `format`, `live`, `start` (ISO 8601); any other key
    /// goes to `extra` for FFmpeg.
    public mutating func set(_ setting: String) throws {
        guard let eq = setting.firstIndex(of: "="), eq != setting.startIndex else {
            throw VideoError(.invalidOption, input: setting, message: "expected key=value")
        }
        let key = String(setting[..<eq]), value = String(setting[setting.index(after: eq)...])
        try set(key, value)
    }

    public mutating func set(_ key: String, _ value: String) throws {
        func bad(_ why: String) -> VideoError {
            VideoError(.invalidOption, input: "\(key)=\(value)", message: why)
        }
        switch key {
        case "transport", "rtsp_transport":
            guard let t = RTSPTransport(rawValue: value) else { throw bad("transport is tcp, udp, udp_multicast, http or https") }
            rtspTransport = t
        case "open_timeout", "read_timeout", "timeout":
            guard let s = Double(value), s >= 0 else { throw bad("timeout is a number of seconds ≥ 0") }
            if key == "open_timeout" { openTimeout = s } else { readTimeout = s }
        case "buffer_size":
            guard let b = Int(value), b > 0 else { throw bad("buffer_size is a positive number of bytes") }
            bufferSize = b
        case "threads":
            guard let n = Int(value), (0...256).contains(n) else { throw bad("threads is a whole number from 0 (automatic) to 256") }
            threads = n
        case "format":
            format = value
        case "live":
            guard let b = Bool(value) else { throw bad("live is true or false") }
            live = b
        case "start":
            guard let d = Self.parseDate(value) else { throw bad("start is an ISO 8601 time with a zone, like 2024-05-01T08:00:00Z or 2024-05-01 08:00+08:00, from 1970 to 2999") }
            start = d
        default:
            extra[key] = value
        }
    }

    /// Parses `2024-05-01T08:00:00Z`, with optional fractional seconds and offset, in the
    /// spellings of `usual(_:)`.
    public static func parseDate(_ text: String) -> Date? {
        parseAnyDate(usual(text)).flatMap { plausibleDates.contains($0) ? $0 : nil }
    }

    /// The other spellings people type for an ISO 8601 / RFC 3339 time, brought to the one the
    /// parser reads: a space or `t` between date and time (`date '+%F %T%:z'`), `z` for `Z`,
    /// and a time without seconds (`2026-05-01T08:00+08:00`). A zone is still required: a
    /// camera's local time is not the machine's.
    static func usual(_ text: String) -> String {
        var c = Array(text)
        guard c.count > 10 else { return text }
        if c[10] == " " || c[10] == "t" { c[10] = "T" }
        if c.last == "z" { c[c.count - 1] = "Z" }
        if c.count >= 16, c[13] == ":", c.count == 16 || "Z+-".contains(c[16]) { c.insert(contentsOf: ":00", at: 16) }
        return String(c)
    }

    /// Wall-clock times StreetWarden takes from a clip or a user: 1970 to the end of 2999. Outside
    /// that, a time is a mistake (a clip's "1904-01-01" creation time when none was set, a typo
    /// in `--start`) and, past 9999, one the case store could not read back.
    public static let plausibleDates = Date(timeIntervalSince1970: 0)...Date(timeIntervalSince1970: 32_503_679_999)

    private static func parseAnyDate(_ text: String) -> Date? {
        // The formatter rolls impossible fields over (2026-02-30 → March 2, `+25:00`): refuse them first.
        guard DateFields.exist(text, secondsRequired: true) else { return nil }
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let d = f.date(from: text) { return d }
        f.formatOptions = [.withInternetDateTime]
        if let d = f.date(from: text) { return d }
        // FFmpeg writes creation_time as "2024-05-01T08:00:00.000000Z".
        if let dot = text.firstIndex(of: "."), text.hasSuffix("Z") {
            let whole = String(text[..<dot]) + "Z"
            let frac = Double("0" + text[dot..<text.index(before: text.endIndex)]) ?? 0
            return f.date(from: whole).map { $0.addingTimeInterval(frac) }
        }
        return nil
    }
}
