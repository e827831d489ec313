import Foundation
import Yams

/// A config error; its message names the file, the camera and the zone where they apply.
public struct ConfigError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// A strict view of one YAML node: every mapping says which keys it accepts, so a typo is an
/// error that names where it is, never silently ignored.
struct YAMLNode {
    let node: Node
    /// Where this node is, e.g. "camera 'gate-2', zone 'kerb'".
    let context: String
    let file: String

    func fail(_ message: String) -> ConfigError {
        let line = node.mark.map { " (line \($0.line))" } ?? ""
        let ctx = context.isEmpty ? "" : "\(context): "
        return ConfigError("config \(file)\(line): \(ctx)\(message)")
    }

    func child(_ n: Node, _ ctx: String? = nil) -> YAMLNode { YAMLNode(node: n, context: ctx ?? context, file: file) }

    /// A plain (unquoted) YAML null: `null`, `Null`, `NULL`, `~` or nothing.
    var isNull: Bool {
        guard case .scalar(let s) = node, s.style == .plain else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(s.string)
    }

    /// The mapping's entries, after checking every key is in `allowed`.
    func mapping(allowed: [String]) throws -> [String: YAMLNode] {
        guard case .mapping(let m) = node else { throw fail("expected a mapping with keys \(allowed.joined(separator: ", "))") }
        var out: [String: YAMLNode] = [:]
        for (k, v) in m {
            guard case .scalar(let ks) = k else { throw fail("keys must be plain names") }
            let key = ks.string
            guard allowed.contains(key) else {
                throw child(k).fail("unknown key '\(key)' (expected one of: \(allowed.joined(separator: ", ")))")
            }
            guard out[key] == nil else { throw child(k).fail("key '\(key)' appears twice") }
            out[key] = child(v)
        }
        return out
    }

    /// A scalar value under `key` of a mapping, read before the keys are checked (to name
    /// the camera or zone in the error about them).
    func peek(_ key: String) -> String? {
        guard case .mapping(let m) = node, let v = m[key], case .scalar(let s) = v else { return nil }
        return s.string
    }

    func named(_ ctx: String) -> YAMLNode { YAMLNode(node: node, context: ctx, file: file) }

    func sequence() throws -> [YAMLNode] {
        guard case .sequence(let s) = node else { throw fail("expected a list") }
        return s.map { child($0) }
    }

    func string(_ what: String) throws -> String {
        guard case .scalar(let s) = node else { throw fail("\(what) must be a single value") }
        return s.string
    }

    func double(_ what: String, in range: ClosedRange<Double>? = nil) throws -> Double {
        let s = try string(what)
        guard let v = Double(s), v.isFinite else { throw fail("\(what) must be a number, not '\(s)'") }
        if let r = range, !r.contains(v) { throw fail("\(what) must be within \(r.lowerBound)…\(r.upperBound), not \(s)") }
        return v
    }

    func stringList(_ what: String) throws -> [String] {
        if case .scalar = node { return [try string(what)] }
        return try sequence().map { try $0.string(what) }
    }
}
