import Foundation
import XCTest
@testable import Pipeline

/// `JSONText.pretty` writes what `JSONSerialization` writes for the commands' JSON, byte for
/// byte, and declines (nil) what it does not cover.
final class JSONTextTests: XCTestCase {
    static func reference(_ value: Any) -> String {
        let d = try! JSONSerialization.data(withJSONObject: value, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return String(decoding: d, as: UTF8.self)
    }

    func check(_ value: Any, _ label: String, file: StaticString = #filePath, line: UInt = #line) {
        guard let mine = JSONText.pretty(value) else { return XCTFail("\(label): declined", file: file, line: line) }
        XCTAssertEqual(mine, Self.reference(value), label, file: file, line: line)
        XCTAssertEqual(CaseFormatter.json(value), Self.reference(value), label, file: file, line: line)
    }

    func testClipSummariesAndCases() {
        var a = ClipSummary(clip: "/tmp/clips/a \"quoted\" \\ é 中文.mp4", status: .analyzed)
        a.mediaSeconds = 120; a.wallSeconds = 0.61234567; a.frames = 60; a.samples = 60
        a.occurrences = 3; a.newCases = 2; a.alreadyStored = 1; a.byClass = ["garbage": 2, "illegal_ad": 1]
        a.camera = "cam-1"
        var f = ClipSummary(clip: "missing.mp4", status: .failed)
        f.error = "cannot open missing.mp4: no such file"
        let s = ClipSummary(clip: "b.mp4", status: .skipped)
        check([a, f, s].map(\.jsonObject), "summaries")
        check([[String: Any]](), "no clips")
        let caseObject: [String: Any] = [
            "id": Int64(42), "category": "garbage", "code": "0102", "code_name": "暴露垃圾", "status": "new",
            "source": "camera:c1", "zone": "whole_frame", "first_seen": "2026-11-29T10:00:00Z", "last_seen": "2026-11-29T10:05:00Z",
            "occurrences": 2, "location": ["address": "1 Main St", "latitude": 31.2304, "longitude": NSNull()] as [String: Any],
            "box": [0.125, 0.5, 0.75, 1.0], "evidence": [["kind": "violation", "path": "evidence/c1/1.jpg", "sha256": "ab"]],
        ]
        // A key with digits ("sha256") sorts numerically there: declined, written by JSONSerialization.
        XCTAssertNil(JSONText.pretty([caseObject]))
        XCTAssertEqual(CaseFormatter.json([caseObject]), Self.reference([caseObject]))
        var plain = caseObject
        plain["evidence"] = [["kind": "violation", "path": "evidence/c1/1.jpg", "digest": "ab"]]
        check([plain], "cases")
        check([String: Any](), "empty object")
        check(["a": [Any](), "b": [String: Any](), "c": [[String: Any]()], "d": true, "e": false] as [String: Any], "empties")
    }

    func testNumbersStringsAndKeys() {
        var rng = SeededRandom(seed: 11)
        var doubles: [Double] = [0, -0.0, 1, 100, 1e16, 1e-7, 5e-324, 1.7976931348623157e308, .pi, 0.1, 17.188326390610627, -2.5e-300]
        for _ in 0..<3000 {
            let mantissa = Double(rng.next() >> 11) / Double(1 << 53)
            doubles.append((rng.below(2) == 0 ? -1 : 1) * mantissa * pow(10, Double(rng.below(80) - 40)))
        }
        doubles.append(contentsOf: (0..<200).map { _ in Double(rng.below(1_000_000)) / 100 })
        check(doubles, "doubles")
        check(doubles.map { ["v": $0] as [String: Any] }, "doubles in objects")
        check([0, -1, Int.max, Int.min, 1 << 53], "ints")
        let alphabet = Array("az_")
        for n in 0..<300 {
            var o: [String: Any] = [:]
            for _ in 0..<(1 + rng.below(9)) {
                let key = String((0..<(1 + rng.below(7))).map { _ in alphabet[rng.below(alphabet.count)] })
                o[key] = rng.below(2) == 0 ? "v\"\\/é😀 \(n)" as Any : rng.below(100) as Any
            }
            check(o, "keys \(o.keys.sorted())")
        }
    }

    func testDeclinesWhatItDoesNotCover() {
        XCTAssertNil(JSONText.pretty(["Upper": 1] as [String: Any]))
        XCTAssertNil(JSONText.pretty(["k9": 1] as [String: Any]))
        XCTAssertNil(JSONText.pretty([] as [ClipSummary]))
        XCTAssertNil(JSONText.pretty(["a": "tab\there"] as [String: Any]))
        XCTAssertNil(JSONText.pretty(["a": Float(0.5)] as [String: Any]))
        XCTAssertNil(JSONText.pretty(["a": Double.nan] as [String: Any]))
        XCTAssertNil(JSONText.pretty(["a": Optional<Int>.some(1) as Any] as [String: Any]))
        // Declined values still print as before, through JSONSerialization.
        let v: [String: Any] = ["Upper": 1, "k9": "tab\there", "a": Float(0.5)]
        XCTAssertEqual(CaseFormatter.json(v), Self.reference(v))
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
