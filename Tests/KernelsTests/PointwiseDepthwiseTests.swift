import Kernels
import XCTest

/// The banded pointwise → stride-2 depthwise op against the two reference convolutions.
final class PointwiseDepthwiseTests: XCTestCase {
    func check(cin: Int, mid: Int, h: Int, w: Int, k: Int, pad: Int, threads: Int = 1, planes: Bool = false,
               seed: UInt64) {
        let ga = ConvGeometry(inChannels: cin, outChannels: mid, height: h, width: w, kernel: 1)
        let gb = ConvGeometry(inChannels: mid, outChannels: mid, height: h, width: w, kernel: k, stride: 2,
                              padding: pad, groups: mid)
        XCTAssertTrue(PointwiseDepthwise.fuses(ga, gb))
        var rng = SeededRandom(seed: seed)
        let input = rng.floats(cin * h * w)
        let wa = rng.floats(ga.weightCount, -0.5...0.5), ba = rng.floats(mid)
        let wb = rng.floats(gb.weightCount, -0.5...0.5), bb = rng.floats(mid)
        var hidden = [Float](repeating: 0, count: mid * h * w)
        Reference.conv2d(input: input, weights: wa, bias: ba, geometry: ga, activation: .relu, output: &hidden)
        var want = [Float](repeating: 0, count: mid * gb.outHeight * gb.outWidth)
        Reference.conv2d(input: hidden, weights: wb, bias: bb, geometry: gb, activation: .none, output: &want)
        let op = PointwiseDepthwise(pointwise: Conv2D(weights: wa, bias: ba, geometry: ga, activation: .relu),
                                    depthwise: Conv2D(weights: wb, bias: bb, geometry: gb, activation: .none))
        // Planes view: channel c of the input at slot (c·5) mod cin of a shuffled copy.
        var shuffled = [Float](repeating: 0, count: input.count)
        for c in 0..<cin { for j in 0..<(h * w) { shuffled[((c * 5) % cin) * h * w + j] = input[c * h * w + j] } }
        for kernels in fastPaths + [.reference] {
            var got = [Float](repeating: .nan, count: want.count)
            // Twice: the second call reuses the op's work space.
            for _ in 0..<2 {
                if planes {
                    shuffled.withUnsafeBufferPointer { s in
                        let p = (0..<cin).map { UnsafePointer(s.baseAddress! + ((($0 * 5) % cin) * h * w)) }
                        p.withUnsafeBufferPointer { pp in
                            op.run(input: s.baseAddress!, inputPlanes: pp.baseAddress!, output: &got, kernels: kernels,
                                   threads: threads)
                        }
                    }
                } else {
                    op.run(input: input, output: &got, kernels: kernels, threads: threads)
                }
            }
            assertClose(got, want, .conv2d, "pointwise+depthwise \(ga) → \(gb) planes \(planes) on \(kernels.path)")
        }
    }

    func testOddAndVectorSizes() {
        var seed: UInt64 = 4000
        for (cin, mid) in [(1, 2), (3, 7), (13, 3), (16, 24)] {
            for (h, w) in [(1, 1), (3, 7), (7, 13), (2, 127), (9, 16)] {
                for (k, pad) in [(3, 1), (3, 0), (5, 2)] where h + 2 * pad >= k && w + 2 * pad >= k {
                    seed += 1
                    check(cin: cin, mid: mid, h: h, w: w, k: k, pad: pad, seed: seed)
                }
            }
        }
    }

    /// Maps tall and wide enough for several bands (24 channels × 128 columns: 4 output rows
    /// a band), odd heights, a planes view and two threads: band edges must not show.
    func testBandsViewsAndThreads() {
        check(cin: 24, mid: 24, h: 37, w: 128, k: 3, pad: 1, seed: 4101)
        check(cin: 7, mid: 24, h: 40, w: 131, k: 5, pad: 2, planes: true, seed: 4102)
        check(cin: 24, mid: 24, h: 36, w: 128, k: 3, pad: 1, threads: 2, planes: true, seed: 4103)
        check(cin: 3, mid: 32, h: 33, w: 100, k: 3, pad: 0, threads: 2, seed: 4104)
    }

    func testFusesOnlyPointwiseThenStride2Depthwise() {
        let pw = ConvGeometry(inChannels: 8, outChannels: 8, height: 16, width: 16, kernel: 1)
        let dw2 = ConvGeometry(inChannels: 8, outChannels: 8, height: 16, width: 16, kernel: 3, stride: 2, padding: 1, groups: 8)
        let dw1 = ConvGeometry(inChannels: 8, outChannels: 8, height: 16, width: 16, kernel: 3, stride: 1, padding: 1, groups: 8)
        let dense3 = ConvGeometry(inChannels: 8, outChannels: 8, height: 16, width: 16, kernel: 3, padding: 1)
        XCTAssertTrue(PointwiseDepthwise.fuses(pw, dw2))
        XCTAssertFalse(PointwiseDepthwise.fuses(pw, dw1))
        XCTAssertFalse(PointwiseDepthwise.fuses(dense3, dw2))
        // Pays only when the intermediate exceeds L2: 24×72×128 floats does, 48×36×64 does not.
        let big = ConvGeometry(inChannels: 24, outChannels: 24, height: 72, width: 128, kernel: 1)
        let bigDw = ConvGeometry(inChannels: 24, outChannels: 24, height: 72, width: 128, kernel: 3, stride: 2, padding: 1, groups: 24)
        let mid = ConvGeometry(inChannels: 48, outChannels: 48, height: 36, width: 64, kernel: 1)
        let midDw = ConvGeometry(inChannels: 48, outChannels: 48, height: 36, width: 64, kernel: 3, stride: 2, padding: 1, groups: 48)
        XCTAssertTrue(PointwiseDepthwise.pays(big, bigDw))
        XCTAssertFalse(PointwiseDepthwise.pays(mid, midDw))
    }
}
