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
    @inline(__always)
    public static func splitStore(_ p: UnsafePointer<Float>, _ even: UnsafeMutablePointer<Float>,
                                  _ odd: UnsafeMutablePointer<Float>) {
        let v = UnsafeRawPointer(p).loadUnaligned(as: SIMD32<Float>.self)
        UnsafeMutableRawPointer(even).storeBytes(of: v.evenHalf, as: V.self)
        UnsafeMutableRawPointer(odd).storeBytes(of: v.oddHalf, as: V.self)
    }
    @inline(__always)
    public static func max(_ a: V, _ b: V) -> V { a.replacing(with: b, where: a .< b) }
    @inline(__always)
    public static func min(_ a: V, _ b: V) -> V { a.replacing(with: b, where: b .< a) }
    @inline(__always)
    public static func floor(_ a: V) -> V { a.rounded(.down) }
    @inline(__always)
    public static func exp2i(_ n: V) -> V {
        // Adding 1.5·2^23 puts n in the low mantissa bits (no trapping conversion, NaN-safe).
        let bits = unsafeBitCast(n + V(repeating: 12582912), to: SIMD16<Int32>.self)
        return unsafeBitCast((bits &- SIMD16<Int32>(repeating: 0x4B40_0000 - 127)) &<< 23, to: V.self)
    }
}

/// The AVX-512 kernel table. Touch only after checking the CPU has AVX-512 F/BW/DQ/VL.
public let avx512KernelSet = KernelSet.simd(AVX512ISA.self, path: .avx512)
