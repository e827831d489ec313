import Kernels

/// AVX2 + FMA: 8-wide vectors, fused multiply-add. This module is built with
/// `-target-cpu haswell`; the generic kernels are specialized here.
public enum AVX2ISA: SIMDISA {
    public typealias V = SIMD8<Float>
    @inline(__always)
    public static func fma(_ acc: V, _ a: V, _ b: V) -> V { acc.addingProduct(a, b) }
    @inline(__always)
    public static func loadEven(_ p: UnsafePointer<Float>) -> V {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self).evenHalf
    }
}

/// The AVX2 kernel table. Touch only after checking the CPU has AVX2 and FMA.
public let avx2KernelSet = KernelSet.simd(AVX2ISA.self, path: .avx2)
