import Kernels
import KernelsDispatch
@testable import NN
import XCTest

/// Models exported from PyTorch by Fixtures/make_fixtures.py must give PyTorch's and ONNX
/// Runtime's outputs on the committed golden input, on every kernel path this CPU has.
final class ParityTests: XCTestCase {
    func checkParity(_ name: String) throws {
        let golden = try SafeTensors(contentsOf: Fixtures.path("\(name).golden.safetensors"))
        let input = try golden.floats("input")
        let expectTorch = try golden.floats("torch")
        let expectONNX = try golden.floats("onnx")
        let model = try Model.load(path: Fixtures.path(name))
        let x = Tensor(shape: model.metadata.inputShape, data: input)
        for path in KernelSelection.available {
            try model.setKernels(path)
            for threads in [1, 2] {
                model.threads = threads
                let y = try model.run(x)
                XCTAssertEqual(y.count, expectTorch.count, "\(name) output size")
                let dT = maxAbsDiff(y.data, expectTorch), dO = maxAbsDiff(y.data, expectONNX)
                XCTAssertLessThanOrEqual(dT, parityTolerance, "\(name) vs PyTorch on \(path), \(threads) thread(s)")
                XCTAssertLessThanOrEqual(dO, parityTolerance, "\(name) vs ONNX Runtime on \(path), \(threads) thread(s)")
            }
        }
    }

    func testTinyFastestDetMatchesPyTorchAndONNXRuntime() throws { try checkParity("tiny_fastestdet") }
    func testOpsZooMatchesPyTorchAndONNXRuntime() throws { try checkParity("ops_zoo") }

    /// With identity normalization the first convolutions read the caller's buffer in place:
    /// each pass must see its own input (no stale pointer from the pass before).
    func testEachPassReadsItsOwnInput() throws {
        let model = try Model.load(path: Fixtures.path("tiny_fastestdet"))
        let n = model.metadata.inputShape.reduce(1, *)
        let a = Tensor(shape: model.metadata.inputShape, data: (0..<n).map { Float($0 % 251) / 251 })
        let b = Tensor(shape: model.metadata.inputShape, data: (0..<n).map { Float($0 % 13) / 13 })
        let ya = try model.run(a), yb = try model.run(b), ya2 = try model.run(a)
        let fresh = try Model.load(path: Fixtures.path("tiny_fastestdet"))
        XCTAssertEqual(ya.data, ya2.data)
        XCTAssertEqual(yb.data, try fresh.run(b).data)
        XCTAssertNotEqual(ya.data, yb.data)
    }

    func testMetadataAndFolding() throws {
        let model = try Model.load(path: Fixtures.path("tiny_fastestdet.json"))
        XCTAssertEqual(model.metadata.classes, ["street_vending", "garbage", "illegal_ad"])
        XCTAssertEqual(model.metadata.thresholds["garbage"], 0.4)
        XCTAssertEqual(model.metadata.inputShape, [3, 64, 96])
        XCTAssertEqual(model.metadata.nmsIoU, 0.45, accuracy: 1e-6)
        XCTAssertEqual(model.metadata.outputs.count, 1)
        // Every batch norm and ReLU that follows a convolution is folded away.
        XCTAssertFalse(model.layers.contains { $0.op == "batchnorm" || $0.op == "relu" })
        XCTAssertGreaterThan(model.flops, 0)
    }

    /// tiny_fastestdet's neck is `conv1x1(concat(avg, x, upsample(up_in)))`: the share of the
    /// 1×1 convolution that reads the upsampled part runs before the upsampling, at a quarter
    /// of its cost (`Model.splitUpsampledConcats`). The parity test above checks the values.
    func testUpsampledConcatPartRunsBeforeTheUpsampling() throws {
        let model = try Model.load(path: Fixtures.path("tiny_fastestdet"))
        let names = model.layers.map(\.name)
        XCTAssertFalse(names.contains("up"), "the 2× upsampled input is never computed")
        let low = try XCTUnwrap(model.layers.first { $0.name.hasSuffix(".upsampled_part") })
        let base = String(low.name.dropLast(".upsampled_part".count))
        let main = try XCTUnwrap(model.layers.first { $0.name == base })
        let sum = try XCTUnwrap(model.layers.first { $0.name == base + ".add" })
        XCTAssertEqual(low.op, "conv2d")
        XCTAssertEqual(sum.op, "add")
        XCTAssertEqual(low.outputShape, [main.outputShape[0], main.outputShape[1] / 2, main.outputShape[2] / 2])
        XCTAssertEqual(sum.outputShape, main.outputShape)
        let order = [low.name, base + ".upsampled_part.upsample", base, sum.name].map { names.firstIndex(of: $0) }
        XCTAssertEqual(order.compactMap { $0 }, order.compactMap { $0 }.sorted())
        XCTAssertEqual(order.compactMap { $0 }.count, 4)
    }

    func testWrongInputShapeIsAnError() throws {
        let model = try Model.load(path: Fixtures.path("ops_zoo"))
        XCTAssertThrowsError(try model.run(Tensor(shape: [3, 8, 8]))) { error in
            XCTAssertTrue("\(error)".contains("expects input"))
        }
    }
}
