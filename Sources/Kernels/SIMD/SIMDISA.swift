/// One instruction set's vector type and the few operations whose best spelling differs
/// between targets. The generic kernels in this folder are `@inlinable`, so a module built
/// with `-target-cpu haswell` (or `skylake-avx512`) that instantiates them with its own
/// conforming type gets machine code for that ISA, while this module stays portable.
public protocol SIMDISA {
    associatedtype V: SIMD where V.Scalar == Float
    /// `acc + a · b`: fused on targets that have FMA, separate multiply and add elsewhere
    /// (without a target CPU, Swift lowers a fused SIMD multiply-add to libm calls).
    static func fma(_ acc: V, _ a: V, _ b: V) -> V
    /// Elements 0, 2, 4, … of the `2 · V.scalarCount` floats at `p`.
    static func loadEven(_ p: UnsafePointer<Float>) -> V
    /// The same elements in the ISA's cheapest lane order (one in-lane shuffle on AVX2):
    /// sums of such loads are put back in order by `unpermute`.
    static func loadEvenPermuted(_ p: UnsafePointer<Float>) -> V
    /// Undoes the lane order of `loadEvenPermuted`.
    static func unpermute(_ v: V) -> V
    /// Stores the even elements of the `2 · V.scalarCount` floats at `p` (and reads no
    /// others) as one vector at `even`, the odd ones at `odd`.
    static func splitStore(_ p: UnsafePointer<Float>, _ even: UnsafeMutablePointer<Float>,
                           _ odd: UnsafeMutablePointer<Float>)
    // The operations below are written on the concrete vector type in each conformance:
    // inside generic code, SIMD comparisons, masks and rounding resolve to the stdlib's
    // element-by-element protocol implementations even after specialization.
    static func max(_ a: V, _ b: V) -> V
    static func min(_ a: V, _ b: V) -> V
    static func floor(_ a: V) -> V
    /// 2^n for integral `n` in −126…127.
    static func exp2i(_ n: V) -> V
}

extension SIMDISA {
    /// Default: the natural order.
    @inlinable @inline(__always)
    public static func loadEvenPermuted(_ p: UnsafePointer<Float>) -> V { loadEven(p) }
    @inlinable @inline(__always)
    public static func unpermute(_ v: V) -> V { v }
    /// Default: element by element (the ISAs here override it).
    @inlinable @inline(__always)
    public static func splitStore(_ p: UnsafePointer<Float>, _ even: UnsafeMutablePointer<Float>,
                                  _ odd: UnsafeMutablePointer<Float>) {
        for i in 0..<V.scalarCount { even[i] = p[2 * i]; odd[i] = p[2 * i + 1] }
    }
}

/// The portable path: 4-wide vectors, no fused multiply-add, no target flags.
public enum PortableISA: SIMDISA {
    public typealias V = SIMD4<Float>
    @inlinable @inline(__always)
    public static func fma(_ acc: V, _ a: V, _ b: V) -> V { acc + a * b }
    @inlinable @inline(__always)
    public static func loadEven(_ p: UnsafePointer<Float>) -> V {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self).evenHalf
    }
    @inlinable @inline(__always)
    public static func splitStore(_ p: UnsafePointer<Float>, _ even: UnsafeMutablePointer<Float>,
                                  _ odd: UnsafeMutablePointer<Float>) {
        let v = UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
        vstore(v.evenHalf, even); vstore(v.oddHalf, odd)
    }
    @inlinable @inline(__always)
    public static func max(_ a: V, _ b: V) -> V { a.replacing(with: b, where: a .< b) }
    @inlinable @inline(__always)
    public static func min(_ a: V, _ b: V) -> V { a.replacing(with: b, where: b .< a) }
    @inlinable @inline(__always)
    public static func floor(_ a: V) -> V { a.rounded(.down) }
    @inlinable @inline(__always)
    public static func exp2i(_ n: V) -> V {
        // Adding 1.5·2^23 puts n in the low mantissa bits (no trapping conversion, NaN-safe).
        let bits = unsafeBitCast(n + V(repeating: 12582912), to: SIMD4<Int32>.self)
        return unsafeBitCast((bits &- SIMD4<Int32>(repeating: 0x4B40_0000 - 127)) &<< 23, to: V.self)
    }
}

@inlinable @inline(__always)
func vload<V: SIMD>(_ p: UnsafePointer<Float>) -> V where V.Scalar == Float {
    UnsafeRawPointer(p).loadUnaligned(as: V.self)
}

@inlinable @inline(__always)
func vstore<V: SIMD>(_ v: V, _ p: UnsafeMutablePointer<Float>) where V.Scalar == Float {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: V.self)
}
