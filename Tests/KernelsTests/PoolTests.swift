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
            for (k, s, p) in [(2, 2, 0), (3, 2, 1), (3, 1, 1), (5, 1, 2), (3, 2, 0), (3, 3, 1)] {
                for (h, w) in [(3, 3), (7, 13), (13, 127), (16, 128), (1, 7)] where h + 2 * p >= k && w + 2 * p >= k {
                    seed += 1
                    check(ConvGeometry(inChannels: 3, outChannels: 3, height: h, width: w, kernel: k, stride: s, padding: p),
                          kind, seed: seed)
                }
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
