import Foundation
import Kernels
@testable import NN
import XCTest

/// Property test over mutated model files: every mutation loads cleanly or throws
/// `ModelError`; never a crash or an out-of-bounds read (run under ASan by `make fuzz`).
/// The libFuzzer harness in Fuzz/ drives the same entry point with coverage guidance.
final class FuzzTests: XCTestCase {
    func mutate(_ bytes: [UInt8], _ rng: inout SeededRandom) -> [UInt8] {
        var b = bytes
        for _ in 0...rng.below(4) {
            switch rng.below(6) {
            case 0 where !b.isEmpty: b[rng.below(b.count)] = UInt8(truncatingIfNeeded: rng.next())
            case 1 where !b.isEmpty: b.removeSubrange(rng.below(b.count)...)  // truncate
            case 2 where !b.isEmpty: let i = rng.below(b.count); b.insert(contentsOf: b[i..<min(b.count, i + rng.below(16))], at: rng.below(b.count))
            case 3 where b.count > 8: b[rng.below(8)] = UInt8(truncatingIfNeeded: rng.next())  // header length
            case 4 where !b.isEmpty:  // digit swap keeps JSON valid but changes numbers
                let digits = b.indices.filter { (48...57).contains(b[$0]) }
                if let i = digits.isEmpty ? nil : digits[rng.below(digits.count)] { b[i] = 48 + UInt8(rng.below(10)) }
            default: if !b.isEmpty { b.remove(at: rng.below(b.count)) }
            }
        }
        return b
    }

    func testMutatedFilesAreErrorsNotCrashes() throws {
        let json = try Fixtures.bytes("ops_zoo.json")
        let weights = try Fixtures.bytes("ops_zoo.safetensors")
        var rng = SeededRandom(seed: 2024)
        var loaded = 0, rejected = 0
        for i in 0..<300 {
            let mj = i % 2 == 0 ? mutate(json, &rng) : json
            let mw = i % 2 == 1 ? mutate(weights, &rng) : weights
            switch ModelFuzzEntry.loadAndRun(json: mj, weights: mw) {
            case .loaded: loaded += 1
            case .rejected: rejected += 1
            }
        }
        XCTAssertGreaterThan(rejected, 50)
        XCTAssertGreaterThan(loaded, 10)
        XCTAssertGreaterThan(loaded + rejected, 299)
    }
}
