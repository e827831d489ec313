import Kernels
import XCTest

final class ElementwiseTests: XCTestCase {
    let activations: [Activation] = [.none, .relu, .relu6, .leakyReLU(alpha: 0.1), .silu, .hardswish, .sigmoid, .tanh]

    func testActivationsOverOddAndVectorLengths() {
        var rng = SeededRandom(seed: 11)
        for count in oddSizes + vectorSizes {
            // Wide range so saturating regions of exp, sigmoid and relu6 are exercised.
            var x = rng.floats(count, -12...12)
            if count > 3 { x[0] = -100; x[1] = 100; x[2] = 0 }
            for act in activations {
                var want = x
                Reference.activate(&want, count: count, act)
                for kernels in fastPaths {
                    var got = x
                    kernels.activate(&got, count, act)
                    assertClose(got, want, .activation, "\(act) n\(count) on \(kernels.path)")
                }
            }
        }
    }

    func testResidualAdd() {
        var rng = SeededRandom(seed: 12)
        for count in oddSizes + vectorSizes {
            let a = rng.floats(count), b = rng.floats(count)
            var want = [Float](repeating: 0, count: count)
            Reference.add(a, b, count: count, activation: .relu, output: &want)
            for kernels in fastPaths {
                var got = [Float](repeating: .nan, count: count)
                kernels.add(a, b, &got, count, .relu)
                assertClose(got, want, .activation, "add n\(count) on \(kernels.path)")
            }
        }
    }

    func testSoftmaxAcrossChannels() {
        var rng = SeededRandom(seed: 13)
        for channels in [1, 3, 7] {
            for plane in oddSizes + vectorSizes {
                let x = rng.floats(channels * plane, -20...20)
                var want = [Float](repeating: 0, count: x.count)
                Reference.softmax(input: x, channels: channels, planeSize: plane, output: &want)
                for kernels in fastPaths {
                    var got = [Float](repeating: .nan, count: x.count)
                    kernels.softmax(x, &got, channels, plane)
                    assertClose(got, want, .softmax, "softmax c\(channels) plane \(plane) on \(kernels.path)")
                }
            }
        }
    }
}
