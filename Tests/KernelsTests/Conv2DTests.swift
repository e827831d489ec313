import Kernels
import XCTest

final class Conv2DTests: XCTestCase {
    func check(_ g: ConvGeometry, _ act: Activation, seed: UInt64, threads: Int = 1) {
        var rng = SeededRandom(seed: seed)
        let input = rng.floats(g.inChannels * g.height * g.width)
        let weights = rng.floats(g.weightCount, -0.5...0.5)
        let bias = rng.floats(g.outChannels)
        let outCount = g.outChannels * g.outHeight * g.outWidth
        var want = [Float](repeating: 0, count: outCount)
        Reference.conv2d(input: input, weights: weights, bias: bias, geometry: g, activation: act, output: &want)
        let conv = Conv2D(weights: weights, bias: bias, geometry: g, activation: act)
        for kernels in fastPaths {
            var got = [Float](repeating: .nan, count: outCount)
            conv.run(input: input, output: &got, kernels: kernels, threads: threads)
            assertClose(got, want, .conv2d, "conv \(g) \(act) on \(kernels.path)")
        }
    }

    func testPointwiseOverOddAndVectorSizes() {
        var seed: UInt64 = 1
        for cin in [1, 3, 13, 16] {
            for cout in [1, 7, 13, 24] {
                for (h, w) in [(1, 1), (3, 7), (7, 13), (1, 127), (4, 32), (2, 128)] {
                    seed += 1
                    check(ConvGeometry(inChannels: cin, outChannels: cout, height: h, width: w, kernel: 1),
                          .relu, seed: seed)
                }
            }
        }
    }

    func testDenseKernelsStridesPadding() {
        var seed: UInt64 = 100
        for k in [1, 3, 5] {
            for stride in [1, 2] {
                for pad in Set([0, k / 2]) {
                    for (h, w) in [(7, 13), (13, 7), (5, 127), (8, 16)] where h + 2 * pad >= k && w + 2 * pad >= k {
                        seed += 1
                        check(ConvGeometry(inChannels: 3, outChannels: 13, height: h, width: w,
                                           kernel: k, stride: stride, padding: pad), .none, seed: seed)
                    }
                }
            }
        }
    }

    /// Large outputs are unfolded in bands of rows; the band edges must not show.
    func testIm2colBands() {
        check(ConvGeometry(inChannels: 3, outChannels: 8, height: 130, width: 130, kernel: 3, padding: 1), .relu, seed: 501)
        check(ConvGeometry(inChannels: 3, outChannels: 13, height: 261, width: 91, kernel: 3, stride: 2, padding: 1), .none, seed: 502)
        check(ConvGeometry(inChannels: 2, outChannels: 6, height: 64, width: 256, kernel: 5, stride: 2, padding: 2), .relu6, seed: 503, threads: 2)
    }

    /// Few-channel stride-2 convolutions (the stem) run directly from split input rows.
    func testDirectFewChannelStride2() {
        var seed: UInt64 = 700
        for cin in [1, 3, 4] {
            for cout in [1, 7, 24] {
                for (k, p) in [(3, 1), (3, 0), (5, 2), (2, 0)] {
                    for (h, w) in [(1, 3), (3, 7), (7, 13), (13, 127), (5, 33), (4, 128)] where h + 2 * p >= k && w + 2 * p >= k {
                        seed += 1
                        let g = ConvGeometry(inChannels: cin, outChannels: cout, height: h, width: w,
                                             kernel: k, stride: 2, padding: p)
                        XCTAssertTrue(Conv2D.usesDirect(g))
                        check(g, .relu, seed: seed)
                    }
                }
            }
        }
        check(ConvGeometry(inChannels: 3, outChannels: 24, height: 37, width: 514, kernel: 3, stride: 2, padding: 1),
              .relu, seed: 790, threads: 2)
    }

    func testGroupedConvolution() {
        check(ConvGeometry(inChannels: 8, outChannels: 12, height: 7, width: 13, kernel: 3, padding: 1, groups: 2),
              .relu6, seed: 7)
        check(ConvGeometry(inChannels: 12, outChannels: 12, height: 13, width: 16, kernel: 1, groups: 4),
              .silu, seed: 8)
    }

    func testDepthwise3And5StrideOneAndTwo() {
        var seed: UInt64 = 200
        for k in [3, 5] {
            for stride in [1, 2] {
                for (h, w) in [(1, 1), (3, 3), (7, 13), (13, 127), (16, 128), (9, 64), (18, 32), (4, 33)] {
                    for c in [1, 7, 24] {
                        seed += 1
                        check(ConvGeometry(inChannels: c, outChannels: c, height: h, width: w, kernel: k,
                                           stride: stride, padding: k / 2, groups: c), .relu, seed: seed)
                    }
                }
            }
        }
    }

    /// Stride-1 3×3 and 5×5 depthwise runs in register blocks: 4-vector strips in blocks of
    /// 2 rows, 2- and 1-vector strips in blocks of 6 or 3 rows, then single rows, a partial
    /// last vector. Widths and heights around every block edge (4- and 8-wide vectors),
    /// paddings 0 to k − 1, and the activations that have their own specialization.
    func testDepthwiseStrideOneBlockEdges() {
        var seed: UInt64 = 1300
        for (k, p) in [(3, 1), (5, 2), (3, 0), (5, 4)] {
            for (h, w) in [(1, 1), (2, 5), (3, 8), (4, 9), (5, 16), (7, 17), (8, 24), (9, 31), (10, 33), (13, 40),
                           (18, 32), (9, 16), (12, 47)]
            where h + 2 * p >= k && w + 2 * p >= k {
                seed += 1
                let act: Activation = seed % 3 == 0 ? .none : (seed % 3 == 1 ? .relu : .relu6)
                check(ConvGeometry(inChannels: 3, outChannels: 3, height: h, width: w, kernel: k,
                                   stride: 1, padding: p, groups: 3), act, seed: seed)
            }
        }
    }

    /// Stride-2 depthwise: 3×3 and 5×5 without activation (and 3×3 ReLU) from rows split into
    /// even and odd columns in register blocks, the others from a padded plane with even-column
    /// loads: every padding, odd and vector-multiple widths, partial last vectors.
    func testDepthwiseStrideTwoPaddingsAndWidths() {
        var seed: UInt64 = 900
        for (k, p) in [(3, 0), (3, 1), (3, 2), (5, 0), (5, 2), (5, 4)] {
            for (h, w) in [(1, 1), (3, 7), (7, 13), (13, 127), (5, 16), (6, 40), (2, 129), (9, 64)]
            where h + 2 * p >= k && w + 2 * p >= k {
                seed += 1
                let act: Activation = seed % 3 == 0 ? .none : (seed % 3 == 1 ? .relu : .relu6)
                check(ConvGeometry(inChannels: 3, outChannels: 3, height: h, width: w, kernel: k,
                                   stride: 2, padding: p, groups: 3), act, seed: seed)
            }
        }
    }

    /// Input given as channel-plane pointers (a shuffled view over two buffers) gives the same
    /// result as the planes copied together, on every path, for in-place and gathered kinds.
    func testInputPlanesViewMatchesContiguous() {
        var seed: UInt64 = 1300
        let shapes: [(Int, Int, Int, Int, Int, Int)] = [  // cin, cout, h, w, kernel, stride (groups 1 or depthwise)
            (3, 1, 1, 1, 1, 1), (7, 13, 3, 7, 1, 1), (13, 7, 1, 127, 1, 1), (24, 24, 4, 32, 1, 1),
            (16, 48, 2, 128, 1, 1), (13, 13, 7, 13, 3, 1), (24, 24, 13, 127, 3, 2), (7, 7, 9, 64, 5, 1),
            (3, 5, 7, 13, 3, 1),
        ]
        for (cin, cout, h, w, k, s) in shapes {
            seed += 1
            let depthwise = k > 1 && cin == cout && cin != 3
            let g = ConvGeometry(inChannels: cin, outChannels: cout, height: h, width: w, kernel: k, stride: s,
                                 padding: k / 2, groups: depthwise ? cin : 1)
            var rng = SeededRandom(seed: seed)
            let plane = h * w
            // Two buffers; channel c of the view lives in buffer c % 2 at slot (c * 5) % cin.
            let a = rng.floats(cin * plane), b = rng.floats(cin * plane)
            let weights = rng.floats(g.weightCount, -0.5...0.5), bias = rng.floats(cout)
            var contiguous = [Float](repeating: 0, count: cin * plane)
            for c in 0..<cin {
                let src = c % 2 == 0 ? a : b, slot = (c * 5) % cin
                for j in 0..<plane { contiguous[c * plane + j] = src[slot * plane + j] }
            }
            var want = [Float](repeating: 0, count: cout * g.outHeight * g.outWidth)
            Reference.conv2d(input: contiguous, weights: weights, bias: bias, geometry: g, activation: .relu, output: &want)
            let conv = Conv2D(weights: weights, bias: bias, geometry: g, activation: .relu)
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    let planes = (0..<cin).map { c in (c % 2 == 0 ? pa.baseAddress! : pb.baseAddress!) + ((c * 5) % cin) * plane }
                    planes.withUnsafeBufferPointer { pp in
                        for kernels in fastPaths + [.reference] {
                            var got = [Float](repeating: .nan, count: want.count)
                            conv.run(inputPlanes: pp.baseAddress!, output: &got, kernels: kernels)
                            assertClose(got, want, .conv2d, "planes view \(g) on \(kernels.path)")
                        }
                    }
                }
            }
        }
    }

    /// The stem's convolution + max pool as one op equals the reference convolution followed
    /// by the reference pool: odd and vector-multiple sizes, several pools, 1 and 2 threads.
    func testConvMaxPoolFusedMatchesTwoPasses() {
        var seed: UInt64 = 1500
        let pools = [(3, 2, 1), (2, 2, 0), (3, 1, 1), (3, 2, 0), (1, 1, 0)]
        for (cin, k, p) in [(3, 3, 1), (1, 5, 2), (4, 3, 0)] {
            for (h, w) in [(3, 3), (7, 13), (13, 127), (8, 64), (5, 258), (26, 33)] where h + 2 * p >= k && w + 2 * p >= k {
                for (pk, ps, pp) in pools {
                    seed += 1
                    let g = ConvGeometry(inChannels: cin, outChannels: 7 + Int(seed % 3) * 9, height: h, width: w,
                                         kernel: k, stride: 2, padding: p)
                    let pg = ConvGeometry(inChannels: g.outChannels, outChannels: g.outChannels, height: g.outHeight,
                                          width: g.outWidth, kernel: pk, stride: ps, padding: pp)
                    guard pg.problem == nil else { continue }
                    var rng = SeededRandom(seed: seed)
                    let input = rng.floats(cin * h * w)
                    let weights = rng.floats(g.weightCount, -0.5...0.5), bias = rng.floats(g.outChannels)
                    var convOut = [Float](repeating: 0, count: g.outChannels * g.outHeight * g.outWidth)
                    Reference.conv2d(input: input, weights: weights, bias: bias, geometry: g, activation: .none, output: &convOut)
                    var want = [Float](repeating: 0, count: g.outChannels * pg.outHeight * pg.outWidth)
                    Reference.pool(input: convOut, geometry: pg, kind: .max, output: &want)
                    let conv = Conv2D(weights: weights, bias: bias, geometry: g, activation: .none)
                    XCTAssertTrue(conv.fusesMaxPool(kernel: pk, stride: ps, padding: pp))
                    for kernels in fastPaths + [.reference] {
                        for threads in [1, 2] {
                            var got = [Float](repeating: .nan, count: want.count)
                            conv.runMaxPooled(input: input, kernel: pk, stride: ps, padding: pp, output: &got,
                                              kernels: kernels, threads: threads)
                            assertClose(got, want, .conv2d, "conv \(g) + maxpool \(pk)/\(ps)/\(pp) on \(kernels.path) ×\(threads)")
                        }
                    }
                }
            }
        }
    }

    /// The fused stem kernel (3×3/2 convolution, activation, 3×3/2 max pool in one pass) on
    /// every path that has it equals the reference convolution followed by the reference
    /// pool: conv maps of odd and even width (the last odd column outside the map), pooled
    /// widths off and on vector multiples, 1–4 input channels, output channels that leave a
    /// partial channel vector, monotone and other activations, and chunks of pooled rows.
    func testFusedStemKernelMatchesReference() {
        XCTAssertNotNil(KernelSet.portable.convMaxPool)
        XCTAssertFalse(fastPaths.filter { $0.convMaxPool != nil }.isEmpty)
        let shapes = [(1, 1, 1), (3, 3, 3), (2, 5, 7), (3, 9, 13), (4, 6, 30), (3, 7, 61), (3, 12, 64), (1, 4, 129),
                      (3, 11, 66), (2, 8, 258)]
        let acts: [Activation] = [.relu, .none, .silu, .leakyReLU(alpha: 0.1)]
        for (i, (cin, h, w)) in shapes.enumerated() {
            checkFusedStem(cin: cin, h: h, w: w, cout: [24, 7, 13, 6][i % 4], acts[i % acts.count], seed: 9101 + UInt64(i))
        }
    }

    /// More output channels than one group of 3 vectors holds (several groups, the last partial).
    func testFusedStemSeveralChannelGroups() {
        checkFusedStem(cin: 3, h: 10, w: 40, cout: 30, .relu, seed: 9200)
        checkFusedStem(cin: 2, h: 5, w: 17, cout: 50, .silu, seed: 9201)
    }

    func checkFusedStem(cin: Int, h: Int, w: Int, cout: Int, _ act: Activation, seed: UInt64) {
        let g = ConvGeometry(inChannels: cin, outChannels: cout, height: h, width: w, kernel: 3, stride: 2, padding: 1)
        let pg = ConvGeometry(inChannels: g.outChannels, outChannels: g.outChannels, height: g.outHeight,
                              width: g.outWidth, kernel: 3, stride: 2, padding: 1)
        guard pg.problem == nil else { return }
        var rng = SeededRandom(seed: seed)
        let input = rng.floats(cin * h * w)
        let weights = rng.floats(g.weightCount, -0.5...0.5), bias = rng.floats(g.outChannels)
        var convOut = [Float](repeating: 0, count: g.outChannels * g.outHeight * g.outWidth)
        Reference.conv2d(input: input, weights: weights, bias: bias, geometry: g, activation: act, output: &convOut)
        var want = [Float](repeating: 0, count: g.outChannels * pg.outHeight * pg.outWidth)
        Reference.pool(input: convOut, geometry: pg, kind: .max, output: &want)
        let conv = Conv2D(weights: weights, bias: bias, geometry: g, activation: act)
        for kernels in fastPaths where kernels.convMaxPool != nil {
            for threads in [1, 2, 3] {
                var got = [Float](repeating: .nan, count: want.count)
                conv.runMaxPooled(input: input, kernel: 3, stride: 2, padding: 1, output: &got,
                                  kernels: kernels, threads: threads)
                assertClose(got, want, .conv2d, "fused stem \(g) \(act) on \(kernels.path) ×\(threads)")
            }
        }
    }

    func testFusedActivations() {
        let acts: [Activation] = [.none, .relu, .relu6, .leakyReLU(alpha: 0.1), .silu, .hardswish, .sigmoid, .tanh]
        for (i, act) in acts.enumerated() {
            check(ConvGeometry(inChannels: 5, outChannels: 7, height: 7, width: 19, kernel: 3, padding: 1),
                  act, seed: 300 + UInt64(i))
            check(ConvGeometry(inChannels: 7, outChannels: 7, height: 7, width: 19, kernel: 5, padding: 2, groups: 7),
                  act, seed: 400 + UInt64(i))
        }
    }

    func testIntraOpThreadsGiveTheSameResult() {
        check(ConvGeometry(inChannels: 16, outChannels: 24, height: 13, width: 127, kernel: 1), .relu, seed: 9, threads: 3)
        check(ConvGeometry(inChannels: 24, outChannels: 24, height: 13, width: 64, kernel: 3, stride: 2,
                           padding: 1, groups: 24), .none, seed: 10, threads: 2)
    }
}

final class Conv2DStridedOutputTests: XCTestCase {
    /// Writing every second channel plane (as a fused concat + shuffle does) gives the same planes.
    func testStridedOutputOnEveryPath() {
        var rng = SeededRandom(seed: 77)
        for g in [ConvGeometry(inChannels: 13, outChannels: 7, height: 7, width: 13, kernel: 1),
                  ConvGeometry(inChannels: 7, outChannels: 7, height: 7, width: 13, kernel: 3, padding: 1, groups: 7)] {
            let input = rng.floats(g.inChannels * g.height * g.width)
            let conv = Conv2D(weights: rng.floats(g.weightCount), bias: rng.floats(g.outChannels), geometry: g, activation: .relu)
            let plane = g.outHeight * g.outWidth
            var want = [Float](repeating: 0, count: g.outChannels * plane)
            conv.run(input: input, output: &want, kernels: .reference)
            for kernels in fastPaths + [.reference] {
                var got = [Float](repeating: .nan, count: 2 * g.outChannels * plane)
                conv.run(input: input, output: &got, kernels: kernels, outputChannelStride: 2 * plane)
                var planes: [Float] = []
                for c in 0..<g.outChannels {
                    let start = 2 * c * plane
                    planes += got[start..<(start + plane)]
                }
                assertClose(planes, want, .conv2d, "strided conv \(g) on \(kernels.path)")
            }
        }
    }

    func testStrideThreeWindowsUseTheScalarPath() {
        var rng = SeededRandom(seed: 78)
        let g = ConvGeometry(inChannels: 5, outChannels: 5, height: 13, width: 31, kernel: 3, stride: 3, padding: 1, groups: 5)
        let input = rng.floats(5 * 13 * 31), w = rng.floats(g.weightCount)
        var want = [Float](repeating: 0, count: 5 * g.outHeight * g.outWidth)
        Reference.conv2d(input: input, weights: w, bias: nil, geometry: g, activation: .none, output: &want)
        let conv = Conv2D(weights: w, bias: nil, geometry: g, activation: .none)
        for kernels in fastPaths {
            var got = want.map { _ in Float.nan }
            conv.run(input: input, output: &got, kernels: kernels)
            assertClose(got, want, .conv2d, "dw stride 3 on \(kernels.path)")
        }
    }
}
