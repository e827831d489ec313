/// Vector `exp`, `sigmoid` and activations, generic over the vector type.
///
/// `exp` uses Cody–Waite range reduction and a degree-6 polynomial (relative error about
/// 2e-7 on [-87, 88]); inputs are clamped to that range.
@inlinable @inline(__always)
func vexp<I: SIMDISA>(_: I.Type, _ x: I.V) -> I.V {
    typealias V = I.V
    let xc = I.min(I.max(x, V(repeating: -87.3)), V(repeating: 88.3))
    let n = I.floor(xc * V(repeating: 1.442695041) + V(repeating: 0.5))
    var r = I.fma(xc, n, V(repeating: -0.693359375))
    r = I.fma(r, n, V(repeating: 2.12194440e-4))
    var p = V(repeating: 1.9875691500e-4)
    p = I.fma(V(repeating: 1.3981999507e-3), p, r)
    p = I.fma(V(repeating: 8.3334519073e-3), p, r)
    p = I.fma(V(repeating: 4.1665795894e-2), p, r)
    p = I.fma(V(repeating: 1.6666665459e-1), p, r)
    p = I.fma(V(repeating: 5.0000001201e-1), p, r)
    p = I.fma(r + 1, p, r * r)  // 1 + r + r²·p
    let scale = I.exp2i(n)
    return p * scale
}

@inlinable @inline(__always)
func vsigmoid<I: SIMDISA>(_: I.Type, _ x: I.V) -> I.V {
    let one = I.V(repeating: 1)
    return one / (one + vexp(I.self, -x))
}

/// The cheap activations inline into every store; the ones that need `exp` go through one
/// out-of-line function so the kernels' loops stay small.
@inlinable @inline(__always)
func vactivate<I: SIMDISA>(_: I.Type, _ x: I.V, _ act: Activation) -> I.V {
    typealias V = I.V
    switch act {
    case .none: return x
    case .relu: return I.max(x, V.zero)
    case .relu6: return I.min(I.max(x, V.zero), V(repeating: 6))
    case .leakyReLU(let alpha): return alpha <= 1 ? I.max(x, x * alpha) : I.min(x, x * alpha)
    case .hardswish:
        return x * I.min(I.max(x + 3, V.zero), V(repeating: 6)) * (1 / 6 as Float)
    case .silu, .sigmoid, .tanh:
        return vactivateExp(I.self, x, act)
    }
}

@inlinable @inline(never)
func vactivateExp<I: SIMDISA>(_: I.Type, _ x: I.V, _ act: Activation) -> I.V {
    switch act {
    case .silu: return x * vsigmoid(I.self, x)
    case .tanh: return 2 * vsigmoid(I.self, 2 * x) - 1
    default: return vsigmoid(I.self, x)
    }
}

/// An activation chosen at compile time, so a kernel's store loop has no per-vector switch.
public protocol Epilogue {
    static func apply<I: SIMDISA>(_: I.Type, _ x: I.V, _ act: Activation) -> I.V
}

public enum NoActivation: Epilogue {
    @inlinable @inline(__always)
    public static func apply<I: SIMDISA>(_: I.Type, _ x: I.V, _ act: Activation) -> I.V { x }
}

public enum ReLUActivation: Epilogue {
    @inlinable @inline(__always)
    public static func apply<I: SIMDISA>(_: I.Type, _ x: I.V, _ act: Activation) -> I.V { I.max(x, I.V.zero) }
}

public enum AnyActivation: Epilogue {
    @inlinable @inline(__always)
    public static func apply<I: SIMDISA>(_: I.Type, _ x: I.V, _ act: Activation) -> I.V { vactivate(I.self, x, act) }
}

