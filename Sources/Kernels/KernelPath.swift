/// Which implementation of the ops runs: the plain reference loops, the portable SIMD code
/// (no target flags; ARM and old x86), AVX2+FMA, or AVX-512.
public enum KernelPath: String, CaseIterable, Sendable, CustomStringConvertible {
    case reference, portable, avx2, avx512
    public var description: String { rawValue }
}

/// Raised when a forced kernel path cannot run on this CPU or build.
public struct KernelPathUnavailable: Error, CustomStringConvertible {
    public let path: KernelPath
    public let reason: String
    public init(path: KernelPath, reason: String) { self.path = path; self.reason = reason }
    public var description: String { "kernel path '\(path)' is not available: \(reason)" }
}
