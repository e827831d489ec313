/// A place where an input's timestamps broke off and the timeline was continued instead.
public struct TimestampJump: Equatable, Sendable {
    /// Seconds from the start of the input (on the repaired timeline) where the jump is.
    public let at: Double
    /// Seconds the input's own timestamps jumped past the expected next time: negative when
    /// they went back (two recordings joined end to end), positive when they leapt ahead.
    public let by: Double

    public init(at: Double, by: Double) {
        self.at = at
        self.by = by
    }

    /// `back 10.0 s at 10.00 s`.
    public var description: String {
        String(format: "%@ %.1f s at %.2f s", by < 0 ? "back" : "ahead", abs(by), at)
    }
}

/// Turns one stream's raw timestamps (ticks of its time base, in decode order) into a timeline
/// that only moves forward: where the timestamps jump back, or leap far ahead of the next
/// expected time, the timeline continues one frame after the last time and the jump is
/// recorded. A counter wrap (33-bit MPEG-TS PTS, every 26.5 h) is undone silently: there the
/// timestamps land on the expected time once the wrap is added back.
///
/// Joined MPEG-TS recordings (`cat a.ts b.ts`) are the common case: the second recording's clock
/// starts wherever its camera's did, and libavformat may read the step back as a 33-bit wrap
/// (a leap of ~95 000 s). The rules, like FFmpeg's CLI (`-dts_delta_threshold`), are:
/// - back by more than `backwardTolerance`: always a jump (decode times never go back; the
///   tolerance allows for reordered presentation times when a packet has no decode time);
/// - ahead by more than `forwardLimit` beyond the next expected time: a jump, for containers
///   that allow discontinuities (MPEG-TS/PS, HLS, …) and live streams; elsewhere (MP4, MKV)
///   the container's times are trusted, gaps included (`forwardLimit` nil).
struct Timeline {
    /// Seconds per tick.
    let timeBase: Double
    /// Ticks of one frame: how far the timeline moves across a jump.
    let step: Int64
    /// Ticks past the expected next time beyond which a leap ahead is a jump; nil: never.
    let forwardLimit: Int64?
    /// Ticks a decode time may fall behind the latest one before it counts as a jump back.
    let decodeTolerance: Int64
    /// The same for a packet with a presentation time only (B-frames come out of order).
    let presentationTolerance: Int64
    /// The timestamp counter's period (`1 << pts_wrap_bits`), when it wraps.
    let wrap: Int64?
    /// How near the expected time a timestamp must land, once a wrap is undone, to be a wrap.
    let wrapWindow: Int64

    /// Ticks added to raw timestamps from here on.
    private(set) var offset: Int64 = 0
    /// Jumps repaired, in order: repaired ticks where the new segment starts, ticks jumped.
    private(set) var jumps: [(at: Int64, by: Int64)] = []
    /// Counter wraps undone.
    private(set) var wraps = 0
    /// Latest repaired timestamp so far, and latest decode time (a demuxer may give the
    /// first packets presentation times only, and guessed decode times, lagging behind, after).
    private var latest: Int64?
    private var latestDecode: Int64?
    /// Arrival time (seconds, any monotonic clock) of the latest timestamp, for live inputs.
    private var latestArrival: Double?
    private var resync = false

    /// - Parameters:
    ///   - step: seconds of one frame (`1 / frame rate`).
    ///   - forwardLimit: seconds; nil keeps leaps ahead as they are.
    ///   - timeBase: seconds per tick.
    ///   - wrapBits: the counter's width (`AVStream.pts_wrap_bits`); 63 or more: no wrap.
    init(step: Double, forwardLimit: Double?, timeBase: Double, wrapBits: Int) {
        func ticks(_ s: Double) -> Int64 { Int64((s / timeBase).rounded()) }
        let seconds = step.isFinite ? min(max(step, 0.001), 60) : 0.04
        self.timeBase = timeBase
        self.step = max(1, ticks(seconds))
        self.forwardLimit = forwardLimit.map { max(1, ticks($0)) }
        decodeTolerance = max(self.step, ticks(0.1))
        presentationTolerance = decodeTolerance + 16 * self.step
        wrap = wrapBits > 0 && wrapBits < 63 ? Int64(1) << Int64(wrapBits) : nil
        wrapWindow = ticks(Self.forwardLimit(step: seconds, discontinuous: true)!)
    }

    /// The timeline's default for a container: leaps ahead of more than 10 s (or 10 frames,
    /// for a stream slower than 1 frame/s) are jumps where `discontinuous`.
    static func forwardLimit(step: Double, discontinuous: Bool) -> Double? {
        discontinuous ? max(10, 10 * step) : nil
    }

    /// Takes the next timestamp as it is, without comparing it with the last (after a seek).
    mutating func resynchronize() {
        resync = true
    }

    /// Repairs one packet's timestamp: returns the ticks to add to its raw timestamps.
    /// - Parameters:
    ///   - raw: the packet's decode time, else its presentation time (ticks).
    ///   - isDecodeTime: whether `raw` is a decode time (never reordered).
    ///   - arrival: for live inputs, when the packet arrived (seconds, monotonic): across a
    ///     jump the timeline then moves on by the time that passed (at least one frame).
    mutating func repair(_ raw: Int64, isDecodeTime: Bool, arrival: Double? = nil) -> Int64 {
        defer { latestArrival = arrival }
        let t = raw &+ offset
        guard let any = latest, !resync else {
            resync = false
            latest = t
            latestDecode = isDecodeTime ? t : nil
            return offset
        }
        // A decode time goes with earlier decode times; anything else with all earlier times,
        // allowing for reordering.
        let byDecode = isDecodeTime ? latestDecode : nil
        let last = byDecode ?? any
        let tolerance = byDecode != nil ? decodeTolerance : presentationTolerance
        let expected = last &+ step
        func accept(_ c: Int64) {
            latest = max(any, c)
            if isDecodeTime { latestDecode = max(latestDecode ?? c, c) }
        }
        if t >= last &- tolerance && (forwardLimit == nil || t <= expected &+ forwardLimit!) {
            accept(t)
            return offset
        }
        // A wrap of the counter lands on the expected time once undone.
        if let wrap {
            for k in [wrap, -wrap] {
                let c = t &+ k
                if c >= last &- tolerance && c <= expected &+ wrapWindow {
                    offset &+= k
                    wraps += 1
                    accept(c)
                    return offset
                }
            }
        }
        var resume = expected
        if let arrival, let before = latestArrival, arrival > before {
            let elapsed = (arrival - before) / timeBase
            if elapsed < Double(Int64.max / 4) { resume = last &+ max(step, Int64(elapsed)) }
            // A live stream that paused: its times moved on as the clock did (within 1 s or a
            // tenth). No jump.
            if t > last && abs(Double(t &- resume)) <= max(1 / timeBase, elapsed / 10) {
                accept(t)
                return offset
            }
        }
        jumps.append((at: resume, by: t &- expected))
        offset &+= resume &- t
        latest = max(any, resume)
        latestDecode = isDecodeTime ? resume : nil
        return offset
    }
}

extension TimestampJump {
    /// One line for the jumps of `input`, or nil when there are none:
    /// `a.ts: timestamps jump back 10.0 s at 10.00 s (recordings joined end to end?); the
    /// timeline continues one frame after the last time`. For a live input, times are from
    /// the start of the connection, and the timeline moves on by the time that passed.
    public static func warning(_ jumps: [TimestampJump], input: String, live: Bool = false) -> String? {
        guard let first = jumps.first else { return nil }
        let what = jumps.count == 1 ? "timestamps jump \(first.description)"
            : "timestamps jump \(jumps.count) times (" + jumps.prefix(3).map(\.description).joined(separator: ", ")
                + (jumps.count > 3 ? ", …)" : ")")
        if live { return "\(input): \(what) (the camera's encoder restarted?); the timeline continues by the time that passed" }
        return "\(input): \(what) (recordings joined end to end?); the timeline continues one frame after the last time"
    }
}
