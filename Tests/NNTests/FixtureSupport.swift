import Foundation
import Kernels
import KernelsDispatch
@testable import NN
import XCTest

enum Fixtures {
    static var directory: String { Bundle.module.resourcePath! + "/Fixtures" }
    static func path(_ name: String) -> String { directory + "/" + name }
    static func bytes(_ name: String) throws -> [UInt8] {
        guard let d = FileManager.default.contents(atPath: path(name)) else { throw ModelError("missing fixture \(name)") }
        return [UInt8](d)
    }
}

/// Deterministic generator (SplitMix64).
struct SeededRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }
}

/// Parity bound of issue 3: max |ours − PyTorch| and |ours − ONNX Runtime|.
let parityTolerance: Float = 1e-4

func maxAbsDiff(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count)
    return zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
}
