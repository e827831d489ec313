import Glibc

/// An elementwise activation, applied on its own or fused into a convolution's store.
public enum Activation: Equatable, Sendable {
    case none
    case relu
    case relu6
    /// `x` for x ≥ 0, `alpha · x` below.
    case leakyReLU(alpha: Float)
    /// `x · sigmoid(x)`.
    case silu
    /// `x · relu6(x + 3) / 6`.
    case hardswish
    case sigmoid
    case tanh

    /// The plain scalar definition, used by the reference twins.
    @inlinable
    public func apply(_ x: Float) -> Float {
        switch self {
        case .none: return x
        case .relu: return x > 0 ? x : 0
        case .relu6: return Swift.min(Swift.max(x, 0), 6)
        case .leakyReLU(let alpha): return x >= 0 ? x : alpha * x
        case .silu: return x / (1 + Glibc.expf(-x))
        case .hardswish: return x * Swift.min(Swift.max(x + 3, 0), 6) / 6
        case .sigmoid: return 1 / (1 + Glibc.expf(-x))
        case .tanh: return Glibc.tanhf(x)
        }
    }
}
