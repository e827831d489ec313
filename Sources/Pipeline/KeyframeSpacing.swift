import Rules

/// Watches the gaps between keyframe samples against a camera's rules. In keyframe sampling the
/// gap between samples is the stream's GOP, which the config cannot know: keyframes minutes
/// apart leave the dwell and clear times judged on a handful of samples (or, past the clear
/// time, end every track before its next sample), with nothing to show for it.
///
/// A gap is too long beyond `bound`: the shortest clear time of the classes the camera's
/// zones prohibit (past it a track ends between two samples), and at most the longer of 10 s
/// and a quarter of the shortest dwell (fewer than 4 samples per dwell). With the default
/// times (dwell 60–180 s, clear 60 s) that is 15 s; a 2 s GOP is far inside it.
struct KeyframeSpacing {
    let bound: Double
    let dwell: Double
    let clear: Double
    /// The longest gap seen (seconds), and the time of the sample that ended it.
    private(set) var longest = 0.0
    private var last: Double?

    init(rules: CameraRules) {
        let prohibited = rules.zones.isEmpty ? Set(ViolationClass.all) : rules.zones.reduce(into: Set<String>()) { $0.formUnion($1.prohibited) }
        let policies = (prohibited.isEmpty ? Set(ViolationClass.all) : prohibited).map { rules.policy(for: $0) }
        dwell = policies.map(\.dwell).min() ?? 60
        clear = policies.map(\.clear).min() ?? 60
        bound = min(clear, max(10, dwell / 4))
    }

    /// A sample at `time` (seconds, in order).
    mutating func note(_ time: Double) {
        if let last { longest = max(longest, time - last) }
        last = time
    }

    /// Times start again (a new connection): the next sample begins no gap.
    mutating func restart() {
        last = nil
    }

    /// The input ends at `time`: the stretch after the last sample is unseen too.
    mutating func end(at time: Double) {
        if let last { longest = max(longest, time - last) }
    }

    /// Samples a second that keep a gap well inside the clear time.
    var suggestedRate: Int { clear > 2 ? 1 : Int((2 / max(clear, 0.01)).rounded(.up)) }

    /// One line when the gaps were too long, else nil.
    func warning(input: String) -> String? {
        // Beyond the bound, not at it (15.000000000000002 s between keyframes 15 s apart).
        guard longest > bound + 0.01 else { return nil }
        return String(format: "%@: keyframes up to %.1f s apart; keyframe sampling then judges dwell (shortest %g s) and clear (%g s) "
                      + "times on too few samples; set sampling: {fps: %d} in the config (docs/config.md)",
                      input, longest, dwell, clear, suggestedRate)
    }
}
