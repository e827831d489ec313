import Foundation
@testable import NN
import XCTest

/// The model files' JSON parser gives exactly what `JSONSerialization` gives: the same tree on
/// what its fast subset accepts, and `JSONSerialization` itself (same result, same rejection)
/// on everything else.
final class ModelJSONTests: XCTestCase {
    /// Same kinds, same numbers (value, description and Bool bridging), same strings, keys and order.
    static func same(_ a: Any, _ b: Any, _ path: String = "$") -> String? {
        switch (a, b) {
        case let (x as [String: Any], y as [String: Any]):
            guard x.keys.sorted() == y.keys.sorted() else { return "\(path): keys \(x.keys.sorted()) vs \(y.keys.sorted())" }
            for k in x.keys.sorted() { if let d = same(x[k]!, y[k]!, path + "." + k) { return d } }
            return nil
        case let (x as [Any], y as [Any]):
            guard x.count == y.count else { return "\(path): \(x.count) vs \(y.count) elements" }
            for (n, (u, v)) in zip(x, y).enumerated() { if let d = same(u, v, "\(path)[\(n)]") { return d } }
            return nil
        case let (x as String, y as String):
            return x == y ? nil : "\(path): \(x.debugDescription) vs \(y.debugDescription)"
        case (is NSNull, is NSNull):
            return nil
        case let (x as NSNumber, y as NSNumber):
            let bits = x.doubleValue.bitPattern == y.doubleValue.bitPattern
            let text = "\(x)" == "\(y)"
            let bools = (a as? Bool) == (b as? Bool)
            let ints = (a as? Int) == (b as? Int)
            return bits && text && bools && ints ? nil : "\(path): \(x) vs \(y)"
        default:
            return "\(path): \(type(of: a)) vs \(type(of: b))"
        }
    }

    static let repoModels = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("models").path

    func fast(_ text: String) -> Any? {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBufferPointer { FastParser.document($0) }
    }

    func testShippedModelFilesTakeTheFastPathWithTheSameTree() throws {
        var files: [(String, [UInt8])] = []
        for name in ["tiny_fastestdet", "ops_zoo"] {
            files.append((name + ".json", try Fixtures.bytes(name + ".json")))
        }
        let shipped = Self.repoModels + "/streetwarden-v1"
        if let graph = FileManager.default.contents(atPath: shipped + ".json") { files.append(("streetwarden-v1.json", [UInt8](graph))) }
        for st in ["tiny_fastestdet.safetensors", "ops_zoo.safetensors"] {
            let b = try Fixtures.bytes(st)
            let n = Int(b[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
            files.append((st + " header", Array(b[8..<(8 + n)])))
        }
        for (name, bytes) in files {
            let expected = try JSONSerialization.jsonObject(with: Data(bytes))
            let got = bytes.withUnsafeBufferPointer { FastParser.document($0) }
            XCTAssertNotNil(got, "\(name): the fast parser declined a shipped file")
            if let got { XCTAssertNil(Self.same(got, expected), name) }
        }
    }

    func testAcceptedSubsetMatchesJSONSerialization() throws {
        let docs = [
            #"{"a":true,"b":false,"c":null,"d":0,"e":-0,"f":1,"g":-1,"h":123456789012345}"#,
            #"{"a":1.5,"b":3.0,"c":1e2,"d":1e-2,"e":0.1,"f":-0.0,"g":1e-05,"h":0.7013,"i":2.5e+10,"j":100e-2}"#,
            #"{"a":0.12345678901234,"b":1.79769313486231e300,"c":-987654321098765,"d":0.1e1,"e":1e-300,"f":98765.4321012345}"#,
            #"{"a":"plain","b":"\/\b\f\n\r\t\"\\\u0041\u00e9\u4e2d","c":"héllo 中文 😀","d":"","e":"\u0000"}"#,
            " [ 1 , [ ] , { } , [ [ \"x\" ] ] ]\n",
            #"{"layers":[{"name":"c","op":"conv2d","inputs":["input"],"kernel":3,"stride":2}]}"#,
            "[]", "{}",
        ]
        for doc in docs {
            let expected = try JSONSerialization.jsonObject(with: Data(doc.utf8))
            let got = fast(doc)
            XCTAssertNotNil(got, "declined \(doc)")
            if let got { XCTAssertNil(Self.same(got, expected), doc) }
            XCTAssertNil(Self.same(try ModelJSON.parse(Array(doc.utf8)), expected), doc)
        }
    }

    /// `JSONFields.bool` takes exactly what `as? Bool` took: booleans and the numbers 0 and 1.
    func testBoolFieldMatchesBridgingCast() throws {
        let doc = #"{"a":true,"b":false,"c":0,"d":1,"e":2,"f":0.5,"g":1.0,"h":-0.0,"i":"true","j":[true],"k":1e0,"l":-1}"#
        for parsed in [try ModelJSON.parse(Array(doc.utf8)), try JSONSerialization.jsonObject(with: Data(doc.utf8))] {
            let fields = try JSONFields(parsed, context: "t")
            for key in fields.object.keys.sorted() {
                XCTAssertEqual(try? fields.bool(key, default: false), fields.object[key] as? Bool, key)
            }
        }
    }

    /// Random numbers in every form the fast subset takes (and some it declines), compared one
    /// by one with what JSONSerialization makes of them.
    func testRandomNumbersMatchJSONSerialization() throws {
        var rng = SeededRandom(seed: 5)
        for _ in 0..<3000 {
            var t = rng.below(2) == 0 ? "-" : ""
            let intDigits = 1 + rng.below(9)
            t += rng.below(4) == 0 ? "0" : String(1 + rng.below(9)) + (0..<(intDigits - 1)).map { _ in String(rng.below(10)) }.joined()
            if rng.below(3) > 0 { t += "." + (0..<(1 + rng.below(12))).map { _ in String(rng.below(10)) }.joined() }
            if rng.below(3) == 0 { t += ["e", "E"][rng.below(2)] + ["", "+", "-"][rng.below(3)] + String(rng.below(320)) }
            let doc = "[\(t)]"
            let expected = try? JSONSerialization.jsonObject(with: Data(doc.utf8))
            let got = try? ModelJSON.parse(Array(doc.utf8))
            if let expected, let got {
                XCTAssertNil(Self.same(got, expected), doc)
            } else {
                XCTAssertTrue(expected == nil && got == nil, doc)
            }
        }
    }

    /// Outside the subset the fast parser declines, and `ModelJSON.parse` then accepts and
    /// rejects exactly as `JSONSerialization` does (duplicates, trailing commas and a BOM
    /// included: they are `JSONSerialization`'s quirks, kept).
    func testEverythingElseGoesToJSONSerialization() {
        let docs = [
            #"{"a":1,"a":2}"#, #"{"a":[1,]}"#, #"{"a":1,}"#, "\u{FEFF}{}", #"{"a":"\ud83d\ude00"}"#,
            #"{"a":"\ud800"}"#, "{\"a\":\"x\ty\"}", "1", "\"s\"", "{} x", #"{"a":01}"#, #"{"a":1.}"#,
            #"{"a":-}"#, #"{"a":tru}"#, #"{"a":1e}"#, #"{"a":+1}"#, #"{"a":1e400}"#,
            #"{"a":12345678901234567890}"#, #"{"a":0.000000000000000000000000000000000000000000000001}"#,
            #"{"a":123456789012345678901234567890.5}"#, #"{"a":1234567890123456}"#, #"{"a":0.30000000000000004}"#, #"{"a":0.3000000000000001}"#, #"{"a":0.1234567890123456}"#,
            #"{"a":0.123456789012345}"#, #"{"a":1.7976931348623157e300}"#, #"{"a":1.234567890123456e-5}"#, #"{"a":1E-2}"#, #"{"a":-5.64545131666E-30}"#, #"{"a":"\x"}"#,
            #"{"a":"\u12"}"#, "{\"a\":\"\u{7f}\"}", String(repeating: "[", count: 100) + String(repeating: "]", count: 100),
            "", " ", "{", #"{"a"}"#, #"{"a":}"#, #"{a:1}"#, "[1 2]", #"{"a":NaN}"#, #"{"a":Infinity}"#,
        ]
        for doc in docs {
            let bytes = Array(doc.utf8)
            let expected = try? JSONSerialization.jsonObject(with: Data(bytes))
            let got = try? ModelJSON.parse(bytes)
            switch (expected, got) {
            case (nil, nil): break
            case let (e?, g?): XCTAssertNil(Self.same(g, e), doc)
            default: XCTFail("\(doc.debugDescription): JSONSerialization \(expected == nil ? "rejects" : "accepts"), ModelJSON differs")
            }
        }
        for doc in docs.prefix(4) { XCTAssertNil(fast(doc), "fast path should decline \(doc.debugDescription)") }
        // Invalid UTF-8 inside a string: declined, and decided by JSONSerialization.
        let bad: [UInt8] = Array(#"{"a":""#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8)
        XCTAssertNil(bad.withUnsafeBufferPointer { FastParser.document($0) })
        XCTAssertEqual((try? ModelJSON.parse(bad)) == nil, (try? JSONSerialization.jsonObject(with: Data(bad))) == nil)
    }

    /// The duplicate-key scan finds a key given twice in any object, with where it is, also
    /// when the two spellings differ only in escapes; keys repeated in different objects are fine.
    func testDuplicateKeyScan() throws {
        func scan(_ doc: String) -> ModelJSON.DuplicateKey? {
            XCTAssertNotNil(try? JSONSerialization.jsonObject(with: Data(doc.utf8)), doc)
            return Array(doc.utf8).withUnsafeBufferPointer { ModelJSON.duplicateKey(in: $0) }
        }
        XCTAssertEqual(scan(#"{"a":1,"a":2}"#), .init(path: [], key: "a"))
        XCTAssertEqual(scan(#"{"a":1,"\u0061":2}"#), .init(path: [], key: "a"))
        XCTAssertEqual(scan(#"{"x":[1,"s",{"b":1},{"c":"b","b":{},"b":2}]}"#), .init(path: ["x", "[3]"], key: "b"))
        XCTAssertEqual(scan(#"{"o":{"p":{"k":"\"k\"","k":0}}}"#), .init(path: ["o", "p"], key: "k"))
        XCTAssertNil(scan(#"{"a":{"a":1},"b":[{"a":1},{"a":2}],"c":"a","d":["a","a"]}"#))
        XCTAssertNil(scan(#"[{"a":1},{"a":1}]"#))
        XCTAssertThrowsError(try ModelJSON.parseRejectingDuplicates(Array(#"{"n":12345678901234567890,"n":1}"#.utf8))) {
            XCTAssertEqual($0 as? ModelJSON.DuplicateKey, .init(path: [], key: "n"))
        }
        let fine = Array(#"{"n":12345678901234567890,"m":[1,]}"#.utf8)
        XCTAssertEqual(try ModelJSON.parseRejectingDuplicates(fine) as? NSDictionary, try ModelJSON.parse(fine) as? NSDictionary)
    }
}
