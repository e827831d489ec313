import Kernels
import XCTest

/// The stride-2 depthwise split path splits source rows straight into its work space (whole
/// vector pairs, then a scalar tail) and never writes the padding cells, which must stay
/// zero from one call to the next.
final class DepthwiseSplitTests: XCTestCase {
    /// Widths around every vector-pair boundary (8, 16 and 32 floats), odd and even paddings,
    /// and a second call with other values on the same op (work space reused).
    func testSplitBoundariesAndReuse() {
        var seed: UInt64 = 7100
        for (k, p, act) in [(3, 1, Activation.none), (3, 0, .relu), (3, 2, .none), (5, 2, .none), (5, 1, .none),
                            (5, 4, .none)] {
            for width in [7, 8, 9, 15, 16, 17, 31, 32, 33, 47] where width + 2 * p >= k {
                seed += 1
                let g = ConvGeometry(inChannels: 3, outChannels: 3, height: 9, width: width, kernel: k, stride: 2,
                                     padding: p, groups: 3)
                var rng = SeededRandom(seed: seed)
                let weights = rng.floats(g.weightCount, -0.5...0.5), bias = rng.floats(3)
                let conv = Conv2D(weights: weights, bias: bias, geometry: g, activation: act)
                for kernels in fastPaths {
                    for round in 0..<2 {
                        // Other values (all positive) the second time: a stale cell would show.
                        let input = rng.floats(3 * 9 * width).map { round == 0 ? $0 : $0 + 2 }
                        var want = [Float](repeating: 0, count: 3 * g.outHeight * g.outWidth)
                        Reference.conv2d(input: input, weights: weights, bias: bias, geometry: g, activation: act,
                                         output: &want)
                        var got = [Float](repeating: .nan, count: want.count)
                        conv.run(input: input, output: &got, kernels: kernels)
                        assertClose(got, want, .conv2d, "depthwise \(g) \(act) round \(round) on \(kernels.path)")
                    }
                }
            }
        }
    }

    /// Average pools counting the padding (3×3 and 5×5, stride 2) run as a depthwise
    /// convolution with weights 1/k²: every padding, odd and vector-multiple widths, two
    /// threads, and the pool run twice (work space reused) against the reference pool.
    func testMeanPoolAsDepthwise() {
        var seed: UInt64 = 7300
        for (k, p) in [(3, 1), (3, 0), (5, 2), (5, 1)] {
            for (h, w) in [(3, 5), (9, 16), (36, 64), (7, 33)] where h + 2 * p >= k && w + 2 * p >= k {
                seed += 1
                let g = ConvGeometry(inChannels: 5, outChannels: 5, height: h, width: w, kernel: k, stride: 2, padding: p)
                var rng = SeededRandom(seed: seed)
                let pool = Pool2D(geometry: g, kind: .average(countIncludePad: true))
                for kernels in fastPaths {
                    for threads in [1, 2] {
                        let input = rng.floats(5 * h * w)
                        var want = [Float](repeating: 0, count: 5 * g.outHeight * g.outWidth)
                        Reference.pool(input: input, geometry: g, kind: .average(countIncludePad: true), output: &want)
                        var got = [Float](repeating: .nan, count: want.count)
                        pool.run(input: input, output: &got, kernels: kernels, threads: threads)
                        assertClose(got, want, .pool, "mean pool \(g) threads \(threads) on \(kernels.path)")
                    }
                }
            }
        }
    }
}
