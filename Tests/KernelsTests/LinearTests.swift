import Kernels
import XCTest

final class LinearTests: XCTestCase {
    func testLinearMatchesReference() {
        var rng = SeededRandom(seed: 5)
        for (inF, outF) in [(1, 1), (3, 7), (13, 127), (128, 16), (127, 3)] {
            let x = rng.floats(inF), w = rng.floats(inF * outF), b = rng.floats(outF)
            var want = [Float](repeating: 0, count: outF)
            Reference.linear(input: x, weights: w, bias: b, inFeatures: inF, outFeatures: outF,
                             activation: .relu, output: &want)
            let layer = Linear(weights: w, bias: b, inFeatures: inF, outFeatures: outF, activation: .relu)
            for kernels in fastPaths {
                var got = [Float](repeating: .nan, count: outF)
                layer.run(input: x, output: &got, kernels: kernels)
                assertClose(got, want, .gemm, "linear \(inF)→\(outF) on \(kernels.path)")
            }
        }
    }
}
