import Foundation

/// A safetensors file held in memory and checked before any tensor is read: header length,
/// JSON header, every entry's dtype, shape, offsets, byte count and overlap.
///
/// Layout: 8-byte little-endian header length N, N bytes of UTF-8 JSON mapping tensor names
/// to `{"dtype", "shape", "data_offsets": [begin, end]}` (offsets relative to the byte after
/// the header), then the data. Version 1 of the model format reads `F32` only.
public struct SafeTensors {
    public struct Entry: Equatable {
        public let dtype: String
        public let shape: [Int]
        /// Byte range in the data section.
        public let range: Range<Int>
    }

    /// Largest header accepted (bytes).
    public static let maxHeaderBytes = 16 << 20
    /// Largest element count of one tensor or one dimension product.
    public static let maxElements = 1 << 28

    public let name: String
    public let entries: [String: Entry]
    private let data: [UInt8]
    private let dataStart: Int

    public init(contentsOf path: String) throws {
        let d: [UInt8]
        do { d = try FileBytes.contents(of: path) } catch let f as FileBytes.Failure {
            throw ModelError("\(path): \(f.reason)")
        }
        try self.init(bytes: d, name: path)
    }

    public init(bytes: [UInt8], name: String) throws {
        self.name = name
        guard bytes.count >= 8 else { throw ModelError("\(name): not safetensors (only \(bytes.count) bytes, need an 8-byte header length)") }
        var n: UInt64 = 0
        for i in 0..<8 { n |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        guard n >= 2, n <= UInt64(Self.maxHeaderBytes) else {
            throw ModelError("\(name): safetensors header length \(n) is outside 2…\(Self.maxHeaderBytes) bytes")
        }
        let headerLength = Int(n)
        guard headerLength <= bytes.count - 8 else {
            throw ModelError("\(name): truncated: header claims \(headerLength) bytes, file has \(bytes.count - 8) after the length")
        }
        let parsed: Any
        do { parsed = try ModelJSON.parseRejectingDuplicates(bytes[8..<(8 + headerLength)]) } catch let d as ModelJSON.DuplicateKey {
            // JSON keeps only one of the two: which tensor is meant cannot be known.
            if let tensor = d.path.first { throw ModelError("\(name): tensor '\(tensor)' has '\(d.key)' twice in the header") }
            throw ModelError("\(name): \(d.key == "__metadata__" ? "" : "tensor ")'\(d.key)' appears twice in the header")
        } catch {
            throw ModelError("\(name): safetensors header is not valid JSON")
        }
        guard let dict = parsed as? [String: Any] else { throw ModelError("\(name): safetensors header is not a JSON object") }
        dataStart = 8 + headerLength
        let dataSize = bytes.count - dataStart
        var entries: [String: Entry] = [:]
        for (key, value) in dict {
            if key == "__metadata__" {
                guard value is [String: Any] else { throw ModelError("\(name): __metadata__ must be an object") }
                continue
            }
            guard let e = value as? [String: Any] else { throw ModelError("\(name): tensor '\(key)' is not an object") }
            for k in e.keys where !["dtype", "shape", "data_offsets"].contains(k) {
                throw ModelError("\(name): tensor '\(key)' has unknown field '\(k)'")
            }
            guard let dtype = e["dtype"] as? String else { throw ModelError("\(name): tensor '\(key)' has no dtype") }
            guard let shapeAny = e["shape"] as? [Any], let offAny = e["data_offsets"] as? [Any], offAny.count == 2 else {
                throw ModelError("\(name): tensor '\(key)' needs a shape list and two data_offsets")
            }
            let shape = try shapeAny.map { try Self.nonNegativeInt($0, "\(name): tensor '\(key)' shape") }
            let begin = try Self.nonNegativeInt(offAny[0], "\(name): tensor '\(key)' data_offsets")
            let end = try Self.nonNegativeInt(offAny[1], "\(name): tensor '\(key)' data_offsets")
            var elements = 1
            for dim in shape {
                let (p, overflow) = elements.multipliedReportingOverflow(by: dim)
                guard !overflow, p <= Self.maxElements else { throw ModelError("\(name): tensor '\(key)' shape \(shape) is too large") }
                elements = p
            }
            guard let size = Self.dtypeSize(dtype) else { throw ModelError("\(name): tensor '\(key)' has unknown dtype '\(dtype)'") }
            guard begin <= end, end <= dataSize else {
                throw ModelError("\(name): tensor '\(key)' data_offsets [\(begin), \(end)] fall outside the \(dataSize)-byte data section")
            }
            guard end - begin == elements * size else {
                throw ModelError("\(name): tensor '\(key)' is \(end - begin) bytes but \(dtype) \(shape) needs \(elements * size)")
            }
            entries[key] = Entry(dtype: dtype, shape: shape, range: begin..<end)
        }
        let sorted = entries.sorted { $0.value.range.lowerBound < $1.value.range.lowerBound }
        for (a, b) in zip(sorted, sorted.dropFirst()) where a.value.range.upperBound > b.value.range.lowerBound {
            throw ModelError("\(name): tensors '\(a.key)' and '\(b.key)' overlap")
        }
        self.entries = entries
        self.data = bytes
    }

    /// The tensor `key` as float32 values, checked to have `shape` when one is given.
    public func floats(_ key: String, shape expected: [Int]? = nil, for user: String = "") throws -> [Float] {
        var who: String { user.isEmpty ? "" : " (layer '\(user)')" }  // for errors only
        guard let e = entries[key] else { throw ModelError("\(name): no tensor '\(key)'\(who)") }
        guard e.dtype == "F32" else { throw ModelError("\(name): tensor '\(key)' is \(e.dtype); model format v1 reads F32 only\(who)") }
        if let expected, expected != e.shape {
            throw ModelError("\(name): tensor '\(key)' has shape \(e.shape), expected \(expected)\(who)")
        }
        let count = e.range.count / 4
        // Every element is copied in, so the array is not zero-filled first.
        var out = data.withUnsafeBytes { raw in
            let base = raw.baseAddress! + dataStart + e.range.lowerBound
            return [Float](unsafeUninitializedCapacity: count) { dst, initialized in
                if count > 0 { UnsafeMutableRawPointer(dst.baseAddress!).copyMemory(from: base, byteCount: count * 4) }
                initialized = count
            }
        }
        #if _endian(big)
        for i in out.indices { out[i] = Float(bitPattern: out[i].bitPattern.byteSwapped) }
        #endif
        // A NaN or infinite weight turns every score it reaches into NaN, which no threshold
        // passes: the model would run and silently find nothing.
        if let bad = out.firstIndex(where: { !$0.isFinite }) {
            throw ModelError("\(name): tensor '\(key)' holds a non-finite value (\(out[bad]) at element \(bad))\(who)")
        }
        return out
    }

    static func dtypeSize(_ dtype: String) -> Int? {
        switch dtype {
        case "F64", "I64", "U64": return 8
        case "F32", "I32", "U32": return 4
        case "F16", "BF16", "I16", "U16": return 2
        case "I8", "U8", "BOOL", "F8_E4M3", "F8_E5M2": return 1
        default: return nil
        }
    }

    /// (`what` is built only for the error: a model has hundreds of shape entries.)
    static func nonNegativeInt(_ v: Any, _ what: @autoclosure () -> String) throws -> Int {
        guard let n = v as? NSNumber, !JSONFields.isBool(n), case let d = n.doubleValue, d >= 0, d < 9.0e15, d == d.rounded() else {
            throw ModelError("\(what()): '\(v)' is not a non-negative integer")
        }
        return Int(d)
    }
}
