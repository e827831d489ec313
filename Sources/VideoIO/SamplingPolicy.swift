/// Which decoded frames a `VideoSource` hands out.
public enum SamplingPolicy: Equatable, Sendable {
    /// Every decoded frame.
    case everyFrame
    /// At most this many frames per second of presentation time (frames are still all decoded;
    /// the first frame at or after each sampling instant is kept).
    case rate(Double)
    /// Keyframes only: non-key packets are never sent to the decoder and the decoder skips
    /// non-key frames (`skip_frame = AVDISCARD_NONKEY`). The default for violation detection,
    /// which looks at scenes that persist for seconds.
    case keyframes

    public static let `default`: SamplingPolicy = .keyframes
}
