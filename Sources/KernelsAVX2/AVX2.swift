import Kernels
#if arch(x86_64)
import CSIMDShims
#endif

/// AVX2 + FMA: 8-wide vectors, fused multiply-add. This module is built with
/// `-target-cpu haswell`; the generic kernels are specialized here.
public enum AVX2ISA: SIMDISA {
    public typealias V = SIMD8<Float>
    @inline(__always)
    public static func fma(_ acc: V, _ a: V, _ b: V) -> V { acc.addingProduct(a, b) }
#if arch(x86_64)
    // Written in Swift, neighbouring taps' overlapping loads get merged into vinsertps chains.
    @inline(__always)
    public static func loadEven(_ p: UnsafePointer<Float>) -> V { sw_avx2_load_even(p) }
    @inline(__always)
    public static func loadEvenPermuted(_ p: UnsafePointer<Float>) -> V { sw_avx2_load_even_permuted(p) }
    @inline(__always)
    public static func unpermute(_ v: V) -> V { sw_avx2_unpermute(v) }
    @inline(__always)
    public static func splitStore(_ p: UnsafePointer<Float>, _ even: UnsafeMutablePointer<Float>,
                                  _ odd: UnsafeMutablePointer<Float>) {
        sw_avx2_split_store(p, even, odd)
    }
#else
    @inline(__always)
    public static func loadEven(_ p: UnsafePointer<Float>) -> V {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self).evenHalf
    }
#endif
    @inline(__always)
    public static func max(_ a: V, _ b: V) -> V { a.replacing(with: b, where: a .< b) }
    @inline(__always)
    public static func min(_ a: V, _ b: V) -> V { a.replacing(with: b, where: b .< a) }
    @inline(__always)
    public static func floor(_ a: V) -> V { a.rounded(.down) }
    @inline(__always)
    public static func exp2i(_ n: V) -> V {
        // Adding 1.5·2^23 puts n in the low mantissa bits (no trapping conversion, NaN-safe).
        let bits = unsafeBitCast(n + V(repeating: 12582912), to: SIMD8<Int32>.self)
        return unsafeBitCast((bits &- SIMD8<Int32>(repeating: 0x4B40_0000 - 127)) &<< 23, to: V.self)
    }
}

#if arch(x86_64)
extension AVX2ISA: StemISA {
    @inline(__always)
    public static func broadcast(_ p: UnsafePointer<Float>) -> V { sw_avx2_broadcast(p) }
    @inline(__always)
    public static func poolMax(_ a: V, _ b: V) -> V { sw_avx2_max(a, b) }
    @inline(__always)
    public static func maxLoad(_ v: V, _ p: UnsafePointer<Float>) -> V { sw_avx2_max_load(v, p) }
    @inline(__always)
    public static func prefetch(_ p: UnsafeRawPointer) { sw_prefetch(p) }
    @inline(__always)
    public static func transpose(_ src: UnsafePointer<Float>, _ lds: Int, _ dst: UnsafeMutablePointer<Float>,
                                 _ ldd: Int) {
        sw_avx2_transpose8(src, lds, dst, ldd)
    }
}
#else
extension AVX2ISA: StemISA {}
#endif

/// The AVX2 kernel table, with the fused stem. Touch only after checking the CPU has AVX2 and FMA.
public let avx2KernelSet = KernelSet.simd(AVX2ISA.self, path: .avx2)
    .with(convMaxPool: { GenericConvMaxPool<AVX2ISA>.run($0) })
