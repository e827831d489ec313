import Foundation
import Kernels
import KernelsDispatch
@testable import NN
import XCTest

/// The shipped default model (models/streetwarden-v1) gives ONNX Runtime's output on a fixed input,
/// on every kernel path this CPU has. The golden output comes from
/// Fixtures/make_default_golden.py, which builds the same input from the same formula.
final class DefaultModelParityTests: XCTestCase {
    static let modelBase = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("models/streetwarden-v1").path

    static func goldenInput(channels: Int, height: Int, width: Int) -> [Float] {
        var x = [Float](repeating: 0, count: channels * height * width)
        var i = 0
        for c in 0..<channels {
            for y in 0..<height {
                for xx in 0..<width {
                    let t = 0.0123 * (Double(c) * 7919 + Double(y) * 131 + Double(xx) * 17)
                    x[i] = Float(0.5 + 0.5 * sin(t))
                    i += 1
                }
            }
        }
        return x
    }

    func testDefaultModelMatchesONNXRuntime() throws {
        let golden = try SafeTensors(contentsOf: Fixtures.path("default_model.golden.safetensors"))
        let expected = try golden.floats("onnx")
        let model = try Model.load(path: Self.modelBase)
        let shape = model.metadata.inputShape
        XCTAssertEqual(shape, [3, 288, 512])
        let x = Tensor(shape: shape, data: Self.goldenInput(channels: shape[0], height: shape[1], width: shape[2]))
        for path in KernelSelection.available where path != .reference {
            try model.setKernels(path)
            let y = try model.run(x)
            XCTAssertEqual(y.count, expected.count, "default model output size")
            XCTAssertLessThanOrEqual(maxAbsDiff(y.data, expected), parityTolerance, "default model vs ONNX Runtime on \(path)")
        }
    }
}
