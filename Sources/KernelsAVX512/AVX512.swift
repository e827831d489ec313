import Kernels

/// AVX-512: 16-wide vectors. This module is built with `-target-cpu skylake-avx512`, so
/// any code in it may use AVX-512: nothing here may run before a CPUID check.
public enum AVX512ISA: SIMDISA {
    public typealias V = SIMD16<Float>
    @inline(__always)
    public static func fma(_ acc: V, _ a: V, _ b: V) -> V { acc.addingProduct(a, b) }
    @inline(__always)
    public static func loadEven(_ p: UnsafePointer<Float>) -> V {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD32<Float>.self).evenHalf
    }
}

/// The AVX-512 kernel table. Touch only after checking the CPU has AVX-512 F/BW/DQ/VL.
public let avx512KernelSet = KernelSet.simd(AVX512ISA.self, path: .avx512)
