import Foundation
@testable import NN
import XCTest

/// Hostile and corrupt model files are clear errors that name the problem.
final class LoaderTests: XCTestCase {
    func safetensors(_ header: String, data: [UInt8] = []) -> [UInt8] {
        let h = Array(header.utf8)
        var out = (0..<8).map { UInt8((UInt64(h.count) >> (8 * UInt64($0))) & 0xFF) }
        out += h + data
        return out
    }

    func assertRejects(_ bytes: [UInt8], _ needle: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try SafeTensors(bytes: bytes, name: "w.safetensors"), file: file, line: line) { e in
            XCTAssertTrue("\(e)".contains(needle), "\(e) lacks '\(needle)'", file: file, line: line)
            XCTAssertTrue("\(e)".contains("w.safetensors"), file: file, line: line)
        }
    }

    func testSafetensorsHeaderChecks() {
        assertRejects([1, 2, 3], "only 3 bytes")
        assertRejects([255, 255, 255, 255, 255, 255, 255, 255], "header length")
        assertRejects(safetensors("{}") .dropLast(1).map { $0 }, "truncated")
        assertRejects(safetensors("{nope"), "not valid JSON")
        assertRejects(safetensors("[1,2]"), "not a JSON object")
        assertRejects(safetensors(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, data: [0, 0, 0, 0]), "outside")
        assertRejects(safetensors(#"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, data: [UInt8](repeating: 0, count: 8)), "needs 12")
        assertRejects(safetensors(#"{"a":{"dtype":"Q9","shape":[1],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0]), "unknown dtype")
        assertRejects(safetensors(#"{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0]), "non-negative")
        assertRejects(safetensors(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}"#, data: [0, 0, 0, 0]), "outside")
        assertRejects(safetensors(#"{"a":{"dtype":"F32","shape":[100000000000,100000],"data_offsets":[0,4]}}"#), "too large")
        assertRejects(safetensors(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#,
                                  data: [UInt8](repeating: 0, count: 8)), "overlap")
    }

    func testWrongDtypeAndShapeOnRead() throws {
        let st = try SafeTensors(bytes: safetensors(#"{"h":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},"f":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#,
                                                    data: [0, 0, 0, 0, 0, 0, 128, 63]), name: "w.safetensors")
        XCTAssertEqual(try st.floats("f"), [1])
        XCTAssertThrowsError(try st.floats("h")) { XCTAssertTrue("\($0)".contains("F32 only")) }
        XCTAssertThrowsError(try st.floats("f", shape: [2])) { XCTAssertTrue("\($0)".contains("expected [2]")) }
        XCTAssertThrowsError(try st.floats("zz")) { XCTAssertTrue("\($0)".contains("no tensor 'zz'")) }
    }

    /// A NaN or infinite weight would make every score NaN (nothing ever detected): refused.
    func testNonFiniteWeightsRejected() throws {
        let st = try SafeTensors(bytes: safetensors(#"{"n":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"i":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#,
                                                    data: [0, 0, 128, 63, 0, 0, 192, 127, 0, 0, 128, 255]), name: "w.safetensors")
        XCTAssertThrowsError(try st.floats("n", for: "conv")) { e in
            XCTAssertTrue("\(e)".contains("w.safetensors: tensor 'n' holds a non-finite value (nan at element 1) (layer 'conv')"), "\(e)")
        }
        XCTAssertThrowsError(try st.floats("i")) { XCTAssertTrue("\($0)".contains("-inf at element 0"), "\($0)") }
    }

    /// Edits the ops_zoo graph and expects the loader to name the problem.
    func assertGraphRejected(_ needle: String, file: StaticString = #filePath, line: UInt = #line,
                             _ edit: (inout [String: Any]) -> Void) throws {
        var graph = try JSONSerialization.jsonObject(with: Data(Fixtures.bytes("ops_zoo.json"))) as! [String: Any]
        edit(&graph)
        let json = [UInt8](try JSONSerialization.data(withJSONObject: graph))
        let weights = try SafeTensors(contentsOf: Fixtures.path("ops_zoo.safetensors"))
        XCTAssertThrowsError(try Model(json: json, jsonName: "m.json", weights: weights), file: file, line: line) { e in
            XCTAssertTrue("\(e)".contains(needle), "\(e) lacks '\(needle)'", file: file, line: line)
        }
    }

    func layers(_ g: inout [String: Any], _ edit: (inout [[String: Any]]) -> Void) {
        var l = g["layers"] as! [[String: Any]]
        edit(&l)
        g["layers"] = l
    }

    func testGraphChecks() throws {
        try assertGraphRejected("format version 2") { $0["version"] = 2 }
        try assertGraphRejected("unknown field 'extra'") { $0["extra"] = 1 }
        try assertGraphRejected("unknown op 'conv3d'") { g in layers(&g) { $0[0]["op"] = "conv3d" } }
        try assertGraphRejected("is not 'input' or an earlier layer") { g in layers(&g) { $0[0]["inputs"] = ["later"] } }
        try assertGraphRejected("used twice") { g in layers(&g) { $0[1]["name"] = $0[0]["name"] } }
        try assertGraphRejected("does not fit") { g in layers(&g) { $0[0]["kernel"] = 3 } }
        try assertGraphRejected("is not in") { g in layers(&g) { $0[0]["weight"] = "missing.weight" } }
        try assertGraphRejected("unknown field 'dilation'") { g in layers(&g) { $0[0]["dilation"] = 2 } }
        try assertGraphRejected("thresholds has no entry") { g in g["thresholds"] = ["garbage": 0.5] }
        try assertGraphRejected("unknown class") { g in g["thresholds"] = ["garbage": 0.5, "street_vending": 0.5, "illegal_ad": 0.5, "cats": 1] }
        try assertGraphRejected("output 'nowhere'") { $0["outputs"] = ["nowhere"] }
        try assertGraphRejected("input.shape") { g in g["input"] = ["shape": [3, 0, 8]] }
        try assertGraphRejected("add of shapes") { g in
            layers(&g) { l in
                let i = l.firstIndex { ($0["op"] as! String) == "add" }!
                l[i]["inputs"] = [l[0]["name"]!, l[i - 1]["name"]!]
            }
        }
    }

    /// JSON keeps one value of a key given twice, so which tensor (or field) is meant cannot be
    /// known: refused, naming the tensor.
    func testDuplicateKeysInTheHeaderRejected() {
        let entry = #"{"dtype":"F32","shape":[1],"data_offsets":[0,4]}"#
        assertRejects(safetensors(#"{"a":\#(entry),"a":\#(entry)}"#, data: [0, 0, 0, 0]), "tensor 'a' appears twice in the header")
        assertRejects(safetensors(#"{"a":\#(entry),"\u0061":\#(entry)}"#, data: [0, 0, 0, 0]), "tensor 'a' appears twice")
        assertRejects(safetensors(#"{"a":{"dtype":"F32","dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0]),
                      "tensor 'a' has 'dtype' twice")
        assertRejects(safetensors(#"{"__metadata__":{},"__metadata__":{}}"#), "'__metadata__' appears twice")
    }

    /// `true` is not the number 1: a number field refuses it, in the graph and in the header.
    func testBooleansAreNotNumbers() throws {
        try assertGraphRejected("'padding' must be a finite number") { g in layers(&g) { $0[0]["padding"] = true } }
        try assertGraphRejected("'mean' must be a list of numbers") { g in
            g["input"] = ["shape": [3, 24, 40], "color": "rgb", "mean": [false, 0, 0], "std": [1, 1, 1]]
        }
        try assertGraphRejected("threshold") { g in g["thresholds"] = ["garbage": true, "street_vending": 0.5, "illegal_ad": 0.5] }
        assertRejects(safetensors(#"{"a":{"dtype":"F32","shape":[true],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0]), "non-negative integer")
    }

    /// Frames are fed as RGB planes: any other `input.color` (a typo, a BGR-trained model) is refused.
    func testInputColorOtherThanRGBRejected() throws {
        for color in ["bgr", "cmyk", "RGB", ""] {
            try assertGraphRejected("m.json: input.color '\(color)' is not supported") { g in
                g["input"] = ["shape": [3, 24, 40], "color": color, "mean": [0, 0, 0], "std": [1, 1, 1]]
            }
        }
        try assertGraphRejected("input: 'color' must be a string") { g in g["input"] = ["shape": [3, 24, 40], "color": 1] }
    }

    /// A key twice in the graph file is refused with where it is.
    func testDuplicateKeysInTheGraphRejected() throws {
        let text = String(decoding: try Fixtures.bytes("ops_zoo.json"), as: UTF8.self)
        let weights = try SafeTensors(contentsOf: Fixtures.path("ops_zoo.safetensors"))
        let open = try XCTUnwrap(text.firstIndex(of: "{"))
        let top = text[...open] + #""version": 1, "# + text[text.index(after: open)...]
        XCTAssertThrowsError(try Model(json: Array(top.utf8), jsonName: "m.json", weights: weights)) {
            XCTAssertEqual("\($0)", "m.json: 'version' appears twice")
        }
        let layer = text.replacingOccurrences(of: #""name": "c1","#, with: #""name": "c1", "op": "conv2d","#)
        XCTAssertNotEqual(layer, text)
        XCTAssertThrowsError(try Model(json: Array(layer.utf8), jsonName: "m.json", weights: weights)) {
            XCTAssertEqual("\($0)", "m.json: layers[0]: 'op' appears twice")
        }
    }

    /// A graph or weights file that cannot be opened: the system's reason, not "cannot read".
    func testUnreadableFilesGiveTheSystemReason() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sw-loader-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        XCTAssertThrowsError(try Model.load(path: dir.path + "/none.json")) {
            XCTAssertTrue("\($0)".hasPrefix(dir.path + "/none.json: No such file or directory"), "\($0)")
        }
        try Data(try Fixtures.bytes("ops_zoo.json")).write(to: dir.appendingPathComponent("lone.json"))
        XCTAssertThrowsError(try Model.load(path: dir.path + "/lone.json")) {
            XCTAssertTrue("\($0)".hasPrefix(dir.path + "/lone.safetensors: No such file or directory"), "\($0)")
        }
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("d.json"), withIntermediateDirectories: true)
        XCTAssertThrowsError(try Model.load(path: dir.path + "/d")) {
            XCTAssertTrue("\($0)".hasPrefix(dir.path + "/d.json: Is a directory"), "\($0)")
        }
        XCTAssertThrowsError(try SafeTensors(contentsOf: dir.path + "/none.safetensors")) {
            XCTAssertEqual("\($0)", dir.path + "/none.safetensors: No such file or directory")
        }
    }
}
