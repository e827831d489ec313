import Kernels
import XCTest

final class GEMMTests: XCTestCase {
    /// The packed GEMM on every path against a plain triple loop on the unpacked matrix.
    func testPackedGEMMOverOddAndVectorSizes() {
        var rng = SeededRandom(seed: 42)
        for m in [1, 3, 7, 13, 16, 127] {
            for n in oddSizes + vectorSizes {
                for k in [1, 3, 13, 128] {
                    let a = rng.floats(m * k), b = rng.floats(k * n), bias = rng.floats(m)
                    var want = [Float](repeating: 0, count: m * n)
                    for i in 0..<m {
                        for j in 0..<n {
                            var s = bias[i]
                            for kk in 0..<k { s += a[i * k + kk] * b[kk * n + j] }
                            want[i * n + j] = s
                        }
                    }
                    let packed = a.withUnsafeBufferPointer { packGemmWeights($0.baseAddress!, m: m, k: k) }
                    var padded = [Float](repeating: 0, count: (m + 5) / 6 * 6)
                    for i in 0..<m { padded[i] = bias[i] }
                    for kernels in fastPaths + [KernelSet.reference] {
                        var got = [Float](repeating: .nan, count: m * n)
                        packed.withUnsafeBufferPointer { pa in
                            padded.withUnsafeBufferPointer { pb in
                                b.withUnsafeBufferPointer { bb in
                                    got.withUnsafeMutableBufferPointer { c in
                                        kernels.gemm(GemmArgs(m: m, k: k, a: pa.baseAddress!, bias: pb.baseAddress!,
                                                              b: bb.baseAddress!, ldb: n, c: c.baseAddress!, ldc: n,
                                                              columns: 0..<n, activation: .none))
                                    }
                                }
                            }
                        }
                        assertClose(got, want, .gemm, "gemm m\(m) n\(n) k\(k) on \(kernels.path)")
                    }
                }
            }
        }
    }

    /// Row strides of the detector's maps (576 floats: rows crowd into 16 L1 sets) and B given
    /// as a row-pointer table (direct convolutions), against the plain loop.
    func testAliasingStridesAndRowPointers() {
        var rng = SeededRandom(seed: 43)
        for (m, k, ldb, n) in [(13, 97, 576, 576), (7, 288, 576, 571), (24, 27, 300, 257), (1, 3, 40, 7)] {
            let a = rng.floats(m * k), b = rng.floats(k * ldb + 64), bias = rng.floats(m)
            var want = [Float](repeating: 0, count: m * n)
            for i in 0..<m {
                for j in 0..<n {
                    var s = bias[i]
                    for kk in 0..<k { s += a[i * k + kk] * b[kk * ldb + j] }
                    want[i * n + j] = max(0, s)
                }
            }
            let packed = a.withUnsafeBufferPointer { packGemmWeights($0.baseAddress!, m: m, k: k) }
            var padded = [Float](repeating: 0, count: (m + 5) / 6 * 6)
            for i in 0..<m { padded[i] = bias[i] }
            for indirect in [false, true] {
                for kernels in fastPaths + [KernelSet.reference] {
                    var got = [Float](repeating: .nan, count: m * n)
                    packed.withUnsafeBufferPointer { pa in
                        padded.withUnsafeBufferPointer { pb in
                            b.withUnsafeBufferPointer { bb in
                                let rows = (0..<k).map { bb.baseAddress! + $0 * ldb }
                                rows.withUnsafeBufferPointer { rp in
                                    got.withUnsafeMutableBufferPointer { c in
                                        kernels.gemm(GemmArgs(m: m, k: k, a: pa.baseAddress!, bias: pb.baseAddress!,
                                                              b: bb.baseAddress!, ldb: ldb, c: c.baseAddress!, ldc: n,
                                                              columns: 0..<n, activation: .relu,
                                                              bRows: indirect ? rp.baseAddress! : nil))
                                    }
                                }
                            }
                        }
                    }
                    assertClose(got, want, .gemm, "gemm m\(m) k\(k) ldb \(ldb) indirect \(indirect) on \(kernels.path)")
                }
            }
        }
    }
}
