import Kernels
import KernelsDispatch
import XCTest

/// Deterministic generator (SplitMix64) so every run sees the same tensors.
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
    /// Uniform in `range`.
    mutating func float(_ range: ClosedRange<Float> = -1...1) -> Float {
        let u = Float(next() >> 40) / Float(1 << 24)
        return range.lowerBound + u * (range.upperBound - range.lowerBound)
    }
    mutating func floats(_ n: Int, _ range: ClosedRange<Float> = -1...1) -> [Float] {
        (0..<n).map { _ in float(range) }
    }
}

/// Named tolerances: |fast − reference| ≤ absolute + relative · |reference|.
struct Tolerance {
    let absolute: Float
    let relative: Float
    /// Sums of up to a few thousand products, reordered and fused.
    static let conv2d = Tolerance(absolute: 1e-5, relative: 1e-4)
    static let gemm = Tolerance(absolute: 1e-5, relative: 1e-4)
    /// Polynomial exp against libm's.
    static let activation = Tolerance(absolute: 2e-6, relative: 2e-6)
    static let pool = Tolerance(absolute: 1e-6, relative: 1e-6)
    static let softmax = Tolerance(absolute: 1e-6, relative: 1e-5)
    static let interpolation = Tolerance(absolute: 1e-6, relative: 1e-6)
    /// Pure data movement must be bit-exact.
    static let exact = Tolerance(absolute: 0, relative: 0)
}

/// Sizes that cover odd and prime lengths, tails and vector multiples.
let oddSizes = [1, 3, 7, 13, 127]
let vectorSizes = [16, 32, 128]

/// Every optimized path this CPU can run (the reference is what they are compared with).
var fastPaths: [KernelSet] {
    KernelSelection.available.filter { $0 != .reference }.map { try! KernelSelection.kernels($0) }
}

func assertClose(_ got: [Float], _ want: [Float], _ tol: Tolerance, _ what: @autoclosure () -> String,
                 file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(got.count, want.count, "\(what()): count", file: file, line: line)
    var worst: (Int, Float) = (-1, 0)
    for i in 0..<min(got.count, want.count) {
        let err = abs(got[i] - want[i])
        let bound = tol.absolute + tol.relative * abs(want[i])
        if !(err <= bound) && (worst.0 < 0 || err > worst.1) { worst = (i, err) }
    }
    if worst.0 >= 0 {
        XCTFail("\(what()): element \(worst.0) got \(got[worst.0]) want \(want[worst.0]) (|err| \(worst.1))",
                file: file, line: line)
    }
}
