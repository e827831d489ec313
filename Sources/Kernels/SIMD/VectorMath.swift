/// Vector `exp`, `sigmoid` and activations, generic over the vector type.
///
/// `exp` uses Cody–Waite range reduction and a degree-6 polynomial (relative error about
/// 2e-7 on [-87, 88]); inputs are clamped to that range.
@inlinable @inline(__always)
func vexp<I: SIMDISA>(_: I.Type, _ x: I.V) -> I.V {
    typealias V = I.V
    let xc = x.clamped(lowerBound: V(repeating: -87.3), upperBound: V(repeating: 88.3))
    let n = (xc * V(repeating: 1.442695041) + V(repeating: 0.5)).rounded(.down)
    var r = I.fma(xc, n, V(repeating: -0.693359375))
    r = I.fma(r, n, V(repeating: 2.12194440e-4))
    var p = V(repeating: 1.9875691500e-4)
    p = I.fma(V(repeating: 1.3981999507e-3), p, r)
    p = I.fma(V(repeating: 8.3334519073e-3), p, r)
    p = I.fma(V(repeating: 4.1665795894e-2), p, r)
    p = I.fma(V(repeating: 1.6666665459e-1), p, r)
    p = I.fma(V(repeating: 5.0000001201e-1), p, r)
    p = I.fma(r + 1, p, r * r)  // 1 + r + r²·p
    // 2^n by bits: adding 1.5·2^23 puts the integer n in the low mantissa bits.
    let magic = unsafeBitCast(n + V(repeating: 12582912), to: V.MaskStorage.self)
    let scale = unsafeBitCast((magic &- V.MaskStorage(repeating: 0x4B40_0000 - 127)) &<< 23, to: V.self)
    return p * scale
}

@inlinable @inline(__always)
func vsigmoid<I: SIMDISA>(_: I.Type, _ x: I.V) -> I.V {
    let one = I.V(repeating: 1)
    return one / (one + vexp(I.self, -x))
}

@inlinable @inline(__always)
func vactivate<I: SIMDISA>(_: I.Type, _ x: I.V, _ act: Activation) -> I.V {
    typealias V = I.V
    switch act {
    case .none: return x
    case .relu: return pointwiseMax(x, V.zero)
    case .relu6: return pointwiseMin(pointwiseMax(x, V.zero), V(repeating: 6))
    case .leakyReLU(let alpha): return x.replacing(with: x * alpha, where: x .< V.zero)
    case .silu: return x * vsigmoid(I.self, x)
    case .hardswish:
        return x * pointwiseMin(pointwiseMax(x + 3, V.zero), V(repeating: 6)) * (1 / 6 as Float)
    case .sigmoid: return vsigmoid(I.self, x)
    case .tanh: return 2 * vsigmoid(I.self, 2 * x) - 1
    }
}
