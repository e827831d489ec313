import Foundation

/// Typed, checked access to one JSON object of the model file; every failure names `context`.
struct JSONFields {
    let object: [String: Any]
    let context: String

    init(_ value: Any?, context: String) throws {
        guard let o = value as? [String: Any] else { throw ModelError("\(context): expected a JSON object") }
        object = o
        self.context = context
    }

    func rejectUnknown(_ allowed: Set<String>) throws {
        for k in object.keys.sorted() where !allowed.contains(k) {
            throw ModelError("\(context): unknown field '\(k)' (allowed: \(allowed.sorted().joined(separator: ", ")))")
        }
    }

    /// Whether `key` is present and not null. (The parsers make `NSNull()` for null: comparing
    /// the exact type avoids `is NSNull`, a dynamic cast whose first use per value type scans
    /// every protocol conformance in the binary.)
    func has(_ key: String) -> Bool {
        guard let v = object[key] else { return false }
        return type(of: v) != NSNull.self
    }

    func string(_ key: String) throws -> String {
        guard let s = object[key] as? String else { throw ModelError("\(context): '\(key)' must be a string") }
        return s
    }

    func optionalString(_ key: String) throws -> String? { has(key) ? try string(key) : nil }

    /// Whether `n` is a JSON `true` or `false`: the parsers make those NSNumbers too (type "c"),
    /// and a number field must not take them as 1 and 0.
    static func isBool(_ n: NSNumber) -> Bool { n.objCType.pointee == CChar(UInt8(ascii: "c")) }

    func double(_ key: String) throws -> Double {
        guard let v = object[key], let n = v as? NSNumber, !Self.isBool(n), n.doubleValue.isFinite else {
            throw ModelError("\(context): '\(key)' must be a finite number")
        }
        return n.doubleValue
    }

    func int(_ key: String, in range: ClosedRange<Int>) throws -> Int {
        let d = try double(key)
        guard d == d.rounded(), d >= Double(range.lowerBound), d <= Double(range.upperBound) else {
            throw ModelError("\(context): '\(key)' must be an integer in \(range.lowerBound)…\(range.upperBound), got \(d)")
        }
        return Int(d)
    }

    func int(_ key: String, default value: Int, in range: ClosedRange<Int>) throws -> Int {
        has(key) ? try int(key, in: range) : value
    }

    func bool(_ key: String, default value: Bool) throws -> Bool {
        guard has(key) else { return value }
        // Bool(exactly:) is what `as? Bool` does with an NSNumber, minus the dynamic cast's
        // first-time conformance scans.
        guard let n = object[key] as? NSNumber, let b = Bool(exactly: n) else {
            throw ModelError("\(context): '\(key)' must be true or false")
        }
        return b
    }

    func array(_ key: String) throws -> [Any] {
        guard let a = object[key] as? [Any] else { throw ModelError("\(context): '\(key)' must be a list") }
        return a
    }

    func strings(_ key: String) throws -> [String] {
        let a = try array(key)
        return try a.map {
            guard let s = $0 as? String else { throw ModelError("\(context): '\(key)' must be a list of strings") }
            return s
        }
    }

    func numbers(_ key: String) throws -> [Double] {
        try array(key).map {
            guard let n = $0 as? NSNumber, !Self.isBool(n), n.doubleValue.isFinite else {
                throw ModelError("\(context): '\(key)' must be a list of numbers")
            }
            return n.doubleValue
        }
    }
}
