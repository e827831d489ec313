import Kernels
import XCTest

final class PoolTests: XCTestCase {
    func check(_ g: ConvGeometry, _ kind: PoolKind, seed: UInt64) {
        var rng = SeededRandom(seed: seed)
        let input = rng.floats(g.inChannels * g.height * g.width)
        let n = g.outChannels * g.outHeight * g.outWidth
        var want = [Float](repeating: 0, count: n)
        Reference.pool(input: input, geometry: g, kind: kind, output: &want)
        let pool = Pool2D(geometry: g, kind: kind)
        for kernels in fastPaths {
            var got = [Float](repeating: .nan, count: n)
            pool.run(input: input, output: &got, kernels: kernels)
            assertClose(got, want, .pool, "pool \(kind) \(g) on \(kernels.path)")
        }
    }

    func testMaxAndAveragePooling() {
        var seed: UInt64 = 1
        let kinds: [PoolKind] = [.max, .average(countIncludePad: true), .average(countIncludePad: false)]
        for kind in kinds {
            for (k, s, p) in [(2, 2, 0), (3, 2, 1), (3, 1, 1), (5, 1, 2), (3, 2, 0), (3, 3, 1), (4, 4, 0), (4, 4, 2)] {
                for (h, w) in [(3, 3), (7, 13), (13, 127), (16, 128), (1, 7)] where h + 2 * p >= k && w + 2 * p >= k {
                    seed += 1
                    check(ConvGeometry(inChannels: 3, outChannels: 3, height: h, width: w, kernel: k, stride: s, padding: p),
                          kind, seed: seed)
                }
            }
        }
    }

    /// Average pooling against a hand-written window mean (numpy's `x[c, y0:y1, x0:x1].mean()`
    /// with zero padding counted, PyTorch's default) on a non-uniform image: a grey 3×36×64
    /// frame with a red 4×4 patch, on every path including the reference twin. Guards against
    /// a report of k=4 s=4 giving one grey value in every cell.
    func testAveragePoolingMatchesWindowMeanOnPatchImage() {
        let (c, h, w) = (3, 36, 64)
        var image = [Float](repeating: 0, count: c * h * w)
        for ch in 0..<c { for i in 0..<(h * w) { image[ch * h * w + i] = 0.5 + 0.001 * Float(i % 97) } }
        // Red patch at rows 4..<8, columns 52..<56: output cell (1, 13) of a 4×4/4 pool.
        for y in 4..<8 { for x in 52..<56 { image[(0 * h + y) * w + x] = 0.96; image[(1 * h + y) * w + x] = 0.02; image[(2 * h + y) * w + x] = 0.03 } }
        let paths = [KernelSet.reference] + fastPaths
        for (k, s, p) in [(4, 4, 0), (2, 2, 0), (3, 2, 1)] {
            let g = ConvGeometry(inChannels: c, outChannels: c, height: h, width: w, kernel: k, stride: s, padding: p)
            let (ho, wo) = (g.outHeight, g.outWidth)
            XCTAssertEqual(ho, (h + 2 * p - k) / s + 1); XCTAssertEqual(wo, (w + 2 * p - k) / s + 1)
            var mean = [Float](repeating: 0, count: c * ho * wo)
            for ch in 0..<c {
                for oy in 0..<ho {
                    for ox in 0..<wo {
                        var sum: Double = 0
                        for y in (oy * s - p)..<(oy * s - p + k) where y >= 0 && y < h {
                            for x in (ox * s - p)..<(ox * s - p + k) where x >= 0 && x < w {
                                sum += Double(image[(ch * h + y) * w + x])
                            }
                        }
                        mean[(ch * ho + oy) * wo + ox] = Float(sum / Double(k * k))
                    }
                }
            }
            if k == 4 {
                XCTAssertEqual(mean[(0 * ho + 1) * wo + 13], 0.96, accuracy: 1e-6)
                XCTAssertEqual(mean[(1 * ho + 1) * wo + 13], 0.02, accuracy: 1e-6)
            }
            var twin = [Float](repeating: .nan, count: mean.count)
            Reference.pool(input: image, geometry: g, kind: .average(countIncludePad: true), output: &twin)
            assertClose(twin, mean, .pool, "reference avgpool k\(k) s\(s) p\(p) vs window mean")
            let pool = Pool2D(geometry: g, kind: .average(countIncludePad: true))
            for kernels in paths {
                var got = [Float](repeating: .nan, count: mean.count)
                pool.run(input: image, output: &got, kernels: kernels)
                assertClose(got, mean, .pool, "avgpool k\(k) s\(s) p\(p) vs window mean on \(kernels.path)")
                assertClose(got, twin, .pool, "avgpool k\(k) s\(s) p\(p) vs twin on \(kernels.path)")
                XCTAssertGreaterThan(Set(got).count, 10, "avgpool k\(k) s\(s) on \(kernels.path): output is flat")
            }
        }
    }

    func testGlobalAveragePool() {
        var rng = SeededRandom(seed: 3)
        for plane in oddSizes + vectorSizes {
            let x = rng.floats(7 * plane)
            var want = [Float](repeating: 0, count: 7)
            Reference.globalAveragePool(input: x, channels: 7, planeSize: plane, output: &want)
            for kernels in fastPaths {
                var got = [Float](repeating: .nan, count: 7)
                kernels.globalAveragePool(x, &got, 7, plane)
                assertClose(got, want, .pool, "global avgpool plane \(plane) on \(kernels.path)")
            }
        }
    }
}
