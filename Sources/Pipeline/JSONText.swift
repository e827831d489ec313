import Foundation

/// Pretty-printed, key-sorted JSON text of the summaries and cases the commands print,
/// byte for byte what `JSONSerialization` writes with `[.prettyPrinted, .sortedKeys,
/// .withoutEscapingSlashes]`, without its per-value dynamic casts (whose first-time protocol
/// conformance scans were most of its cost in a short `analyze --json`).
///
/// Only the shapes those objects have are written here: dictionaries with lower-case
/// `[a-z_]` keys (where its locale-aware key order is plain byte order), arrays, strings
/// without control characters, `Int`, `Int64`, finite `Double`, `Bool` and `NSNull`. For anything else
/// `pretty` returns nil and the caller uses `JSONSerialization`.
enum JSONText {
    static func pretty(_ value: Any) -> String? {
        var out: [UInt8] = []
        out.reserveCapacity(1024)
        guard write(value, indent: 0, into: &out) else { return nil }
        return String(decoding: out, as: UTF8.self)
    }

    private static func write(_ value: Any, indent: Int, into out: inout [UInt8]) -> Bool {
        let t = type(of: value)
        if t == String.self { return string(value as! String, into: &out) }
        if t == Int.self { out.append(contentsOf: String(value as! Int).utf8); return true }
        if t == Int64.self { out.append(contentsOf: String(value as! Int64).utf8); return true }
        if t == Double.self { return double(value as! Double, into: &out) }
        if t == Bool.self { out.append(contentsOf: ((value as! Bool) ? "true" : "false").utf8); return true }
        if t == NSNull.self { out.append(contentsOf: "null".utf8); return true }
        if t == [String: Any].self { return object((value as! [String: Any]).map { ($0.key, $0.value) }, indent: indent, into: &out) }
        if t == [String: Int].self { return object((value as! [String: Int]).map { ($0.key, $0.value as Any) }, indent: indent, into: &out) }
        if t == [String: String].self { return object((value as! [String: String]).map { ($0.key, $0.value as Any) }, indent: indent, into: &out) }
        if t == [String: Double].self { return object((value as! [String: Double]).map { ($0.key, $0.value as Any) }, indent: indent, into: &out) }
        if t == [Any].self { return array(value as! [Any], indent: indent, into: &out) }
        if t == [[String: Any]].self { return array((value as! [[String: Any]]).map { $0 as Any }, indent: indent, into: &out) }
        if t == [[String: String]].self { return array((value as! [[String: String]]).map { $0 as Any }, indent: indent, into: &out) }
        if t == [String].self { return array((value as! [String]).map { $0 as Any }, indent: indent, into: &out) }
        if t == [Int].self { return array((value as! [Int]).map { $0 as Any }, indent: indent, into: &out) }
        if t == [Double].self { return array((value as! [Double]).map { $0 as Any }, indent: indent, into: &out) }
        return false
    }

    private static func newline(_ indent: Int, into out: inout [UInt8]) {
        out.append(0x0A)
        out.append(contentsOf: repeatElement(0x20, count: 2 * indent))
    }

    private static func object(_ pairs: [(String, Any)], indent: Int, into out: inout [UInt8]) -> Bool {
        for (k, _) in pairs {
            guard !k.isEmpty, k.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x5F }) else { return false }
        }
        out.append(UInt8(ascii: "{"))
        if pairs.isEmpty {
            out.append(0x0A)
            newline(indent, into: &out)
        } else {
            for (n, (k, v)) in pairs.sorted(by: { $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) }).enumerated() {
                if n > 0 { out.append(UInt8(ascii: ",")) }
                newline(indent + 1, into: &out)
                _ = string(k, into: &out)
                out.append(contentsOf: " : ".utf8)
                guard write(v, indent: indent + 1, into: &out) else { return false }
            }
            newline(indent, into: &out)
        }
        out.append(UInt8(ascii: "}"))
        return true
    }

    private static func array(_ items: [Any], indent: Int, into out: inout [UInt8]) -> Bool {
        out.append(UInt8(ascii: "["))
        if items.isEmpty {
            out.append(0x0A)
            newline(indent, into: &out)
        } else {
            for (n, v) in items.enumerated() {
                if n > 0 { out.append(UInt8(ascii: ",")) }
                newline(indent + 1, into: &out)
                guard write(v, indent: indent + 1, into: &out) else { return false }
            }
            newline(indent, into: &out)
        }
        out.append(UInt8(ascii: "]"))
        return true
    }

    private static func string(_ s: String, into out: inout [UInt8]) -> Bool {
        out.append(UInt8(ascii: "\""))
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                out.append(UInt8(ascii: "\\"))
                out.append(b)
            case 0..<0x20, 0x7F:
                return false
            default:
                out.append(b)
            }
        }
        out.append(UInt8(ascii: "\""))
        return true
    }

    /// Swift's shortest round-trip form without a trailing ".0", as `JSONSerialization` writes.
    private static func double(_ d: Double, into out: inout [UInt8]) -> Bool {
        guard d.isFinite else { return false }
        var text = d.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        out.append(contentsOf: text.utf8)
        return true
    }
}
