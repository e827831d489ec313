import Foundation

/// JSON for the model files (the graph and the safetensors header), parsed into the same
/// `[String: Any]` / `[Any]` / `String` / `NSNumber` / `NSNull` tree `JSONSerialization` gives.
///
/// A small byte-level parser handles the plain JSON these files hold, several times faster
/// than `JSONSerialization` (which then dominated model loading). Anything outside its narrow
/// subset (duplicate keys, trailing commas, surrogate escapes, control characters, a BOM,
/// numbers with more than 15 digits or large exponents, deep nesting, any syntax error) is
/// handed to `JSONSerialization` instead, so what is accepted, rejected and produced is
/// exactly what it was with `JSONSerialization` alone.
enum ModelJSON {
    /// The parsed document; throws `JSONSerialization`'s error for text it rejects.
    static func parse(_ bytes: ArraySlice<UInt8>) throws -> Any {
        if let fast = bytes.withUnsafeBufferPointer({ FastParser.document($0) }) { return fast }
        return try JSONSerialization.jsonObject(with: Data(bytes))
    }

    static func parse(_ bytes: [UInt8]) throws -> Any { try parse(bytes[...]) }

    /// A key that appears twice in one object: `path` names the values that hold that object,
    /// outermost first (an object's key, or `[i]` for the i-th element of a list).
    struct DuplicateKey: Error, Equatable {
        let path: [String]
        let key: String
    }

    /// `parse`, but a document with a key twice in one object is refused with `DuplicateKey`
    /// where `JSONSerialization` would silently keep one of the values. (The fast parser
    /// already declines such documents, so only the ones it declines are scanned.)
    static func parseRejectingDuplicates(_ bytes: ArraySlice<UInt8>) throws -> Any {
        if let fast = bytes.withUnsafeBufferPointer({ FastParser.document($0) }) { return fast }
        let parsed = try JSONSerialization.jsonObject(with: Data(bytes))
        if let duplicate = bytes.withUnsafeBufferPointer({ duplicateKey(in: $0) }) { throw duplicate }
        return parsed
    }

    static func parseRejectingDuplicates(_ bytes: [UInt8]) throws -> Any { try parseRejectingDuplicates(bytes[...]) }

    /// The first key that appears twice in one object of `p`, which must be JSON that
    /// `JSONSerialization` accepts (so the scan need not check the syntax), or nil.
    static func duplicateKey(in p: UnsafeBufferPointer<UInt8>) -> DuplicateKey? {
        enum Frame {
            case object(keys: Set<String>, last: String?)
            case array(commas: Int)
        }
        var stack: [Frame] = []
        /// Whether the next string in the current object is a key (after `{` or `,`).
        var expectKey = false
        var i = 0
        while i < p.count {
            switch p[i] {
            case UInt8(ascii: "{"):
                stack.append(.object(keys: [], last: nil))
                expectKey = true
            case UInt8(ascii: "["):
                stack.append(.array(commas: 0))
                expectKey = false
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                stack.removeLast()
                expectKey = false
            case UInt8(ascii: ","):
                switch stack.last {
                case .object?: expectKey = true
                case .array(let n)?: stack[stack.count - 1] = .array(commas: n + 1)
                case nil: break
                }
            case UInt8(ascii: "\""):
                let start = i
                i += 1
                while i < p.count, p[i] != UInt8(ascii: "\"") { i += p[i] == UInt8(ascii: "\\") ? 2 : 1 }
                guard expectKey, case .object(var keys, _)? = stack.last else { break }
                let raw = UnsafeBufferPointer(rebasing: p[start...min(i, p.count - 1)])
                let key = raw.contains(UInt8(ascii: "\\"))
                    ? ((try? JSONSerialization.jsonObject(with: Data([UInt8(ascii: "[")] + raw + [UInt8(ascii: "]")])) as? [String])?.first ?? "")
                    : String(decoding: UnsafeBufferPointer(rebasing: raw.dropFirst().dropLast()), as: UTF8.self)
                guard keys.insert(key).inserted else {
                    let path = stack.dropLast().map { frame -> String in
                        switch frame {
                        case .object(_, let last): return last ?? ""
                        case .array(let n): return "[\(n)]"
                        }
                    }
                    return DuplicateKey(path: path, key: key)
                }
                stack[stack.count - 1] = .object(keys: keys, last: key)
                expectKey = false
            default:
                break  // whitespace, `:`, numbers and literals
            }
            i += 1
        }
        return nil
    }
}

/// The subset parser: returns nil wherever `JSONSerialization` might differ.
struct FastParser {
    static let maxDepth = 64

    private let p: UnsafeBufferPointer<UInt8>
    private var i = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>) { p = bytes }

    /// `bytes` as one object or array, or nil.
    static func document(_ bytes: UnsafeBufferPointer<UInt8>) -> Any? {
        var parser = FastParser(bytes)
        return parser.document()
    }

    /// The whole input as one object or array, or nil.
    mutating func document() -> Any? {
        skipSpace()
        guard i < p.count, p[i] == UInt8(ascii: "{") || p[i] == UInt8(ascii: "[") else { return nil }
        guard let v = value(depth: 0) else { return nil }
        skipSpace()
        return i == p.count ? v : nil
    }

    private mutating func skipSpace() {
        while i < p.count {
            switch p[i] {
            case 0x20, 0x09, 0x0A, 0x0D: i += 1
            default: return
            }
        }
    }

    private mutating func value(depth: Int) -> Any? {
        guard i < p.count, depth < Self.maxDepth else { return nil }
        switch p[i] {
        case UInt8(ascii: "{"): return object(depth: depth + 1)
        case UInt8(ascii: "["): return array(depth: depth + 1)
        case UInt8(ascii: "\""): return string()
        case UInt8(ascii: "t"): return literal("true", NSNumber(value: true))
        case UInt8(ascii: "f"): return literal("false", NSNumber(value: false))
        case UInt8(ascii: "n"): return literal("null", NSNull())
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return number()
        default: return nil
        }
    }

    private mutating func literal(_ word: StaticString, _ result: Any) -> Any? {
        let n = word.utf8CodeUnitCount
        guard i + n <= p.count else { return nil }
        for k in 0..<n where p[i + k] != word.utf8Start[k] { return nil }
        i += n
        return result
    }

    private mutating func object(depth: Int) -> Any? {
        i += 1  // {
        var result: [String: Any] = [:]
        skipSpace()
        if i < p.count, p[i] == UInt8(ascii: "}") { i += 1; return result }
        while true {
            skipSpace()
            guard i < p.count, p[i] == UInt8(ascii: "\""), let key = string() else { return nil }
            skipSpace()
            guard i < p.count, p[i] == UInt8(ascii: ":") else { return nil }
            i += 1
            skipSpace()
            guard let v = value(depth: depth) else { return nil }
            guard result.updateValue(v, forKey: key) == nil else { return nil }  // duplicate key
            skipSpace()
            guard i < p.count else { return nil }
            if p[i] == UInt8(ascii: ",") { i += 1; continue }
            if p[i] == UInt8(ascii: "}") { i += 1; return result }
            return nil
        }
    }

    private mutating func array(depth: Int) -> Any? {
        i += 1  // [
        var result: [Any] = []
        skipSpace()
        if i < p.count, p[i] == UInt8(ascii: "]") { i += 1; return result }
        while true {
            skipSpace()
            guard let v = value(depth: depth) else { return nil }
            result.append(v)
            skipSpace()
            guard i < p.count else { return nil }
            if p[i] == UInt8(ascii: ",") { i += 1; continue }
            if p[i] == UInt8(ascii: "]") { i += 1; return result }
            return nil
        }
    }

    /// A string with no surrogate escapes and no raw control characters, valid UTF-8.
    private mutating func string() -> String? {
        i += 1  // opening quote
        let start = i
        while i < p.count, p[i] != UInt8(ascii: "\""), p[i] != UInt8(ascii: "\\") {
            if p[i] < 0x20 { return nil }
            i += 1
        }
        guard i < p.count else { return nil }
        if p[i] == UInt8(ascii: "\"") {  // no escapes: the bytes as they are
            let s = String(validating: UnsafeBufferPointer(rebasing: p[start..<i]), as: UTF8.self)
            i += 1
            return s
        }
        var bytes = Array(UnsafeBufferPointer(rebasing: p[start..<i]))
        while i < p.count {
            let c = p[i]
            if c == UInt8(ascii: "\"") {
                i += 1
                return String(validating: bytes, as: UTF8.self)
            }
            if c < 0x20 { return nil }
            if c != UInt8(ascii: "\\") { bytes.append(c); i += 1; continue }
            guard i + 1 < p.count else { return nil }
            let e = p[i + 1]
            i += 2
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): bytes.append(e)
            case UInt8(ascii: "b"): bytes.append(0x08)
            case UInt8(ascii: "f"): bytes.append(0x0C)
            case UInt8(ascii: "n"): bytes.append(0x0A)
            case UInt8(ascii: "r"): bytes.append(0x0D)
            case UInt8(ascii: "t"): bytes.append(0x09)
            case UInt8(ascii: "u"):
                guard i + 4 <= p.count else { return nil }
                var code: UInt32 = 0
                for k in 0..<4 {
                    guard let d = Self.hexDigit(p[i + k]) else { return nil }
                    code = code << 4 | d
                }
                i += 4
                guard let scalar = Unicode.Scalar(code) else { return nil }  // surrogates
                bytes.append(contentsOf: String(Character(scalar)).utf8)
            default:
                return nil
            }
        }
        return nil
    }

    private static func hexDigit(_ c: UInt8) -> UInt32? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(c - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(c - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(c - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }

    /// RFC 8259 numbers: integers of at most 15 digits as `Int`, others of at most 15 digits
    /// and an exponent within ±300 as `Double` (exact or correctly rounded, as
    /// `JSONSerialization` makes them).
    private mutating func number() -> Any? {
        let start = i
        func isDigit(_ k: Int) -> Bool { k < p.count && p[k] >= UInt8(ascii: "0") && p[k] <= UInt8(ascii: "9") }
        if p[i] == UInt8(ascii: "-") { i += 1 }
        guard isDigit(i) else { return nil }
        var digits = 0
        if p[i] == UInt8(ascii: "0") {
            i += 1
            digits = 1
            if isDigit(i) { return nil }  // leading zero
        } else {
            while isDigit(i) { i += 1; digits += 1 }
        }
        var integral = true
        if i < p.count, p[i] == UInt8(ascii: ".") {
            integral = false
            i += 1
            guard isDigit(i) else { return nil }
            while isDigit(i) { i += 1; digits += 1 }
        }
        // (An upper-case E is valid JSON, but JSONSerialization then makes an NSDecimalNumber.)
        if i < p.count, p[i] == UInt8(ascii: "E") { return nil }
        if i < p.count, p[i] == UInt8(ascii: "e") {
            integral = false
            i += 1
            if i < p.count, p[i] == UInt8(ascii: "+") || p[i] == UInt8(ascii: "-") { i += 1 }
            guard isDigit(i) else { return nil }
            var exponent = 0
            while isDigit(i) {
                exponent = exponent * 10 + Int(p[i] - UInt8(ascii: "0"))
                guard exponent <= 300 else { return nil }
                i += 1
            }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: p[start..<i]), as: UTF8.self)
        if integral {
            guard digits <= 15, let v = Int(text) else { return nil }
            return NSNumber(value: v)
        }
        // JSONSerialization turns some longer decimals into NSDecimalNumber (whose doubleValue
        // is not always the nearest double): at most 15 digits keeps to what it gives as Double.
        guard digits <= 15, let v = Double(text), v.isFinite else { return nil }
        return NSNumber(value: v)
    }
}
