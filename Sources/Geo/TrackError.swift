import Foundation

/// A problem with a track that stops it from being read. `description` is one line naming the
/// input and, when known, the line.
public struct TrackError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Kind: String, Sendable {
        case unreadable, unknownFormat, malformed, empty, invalidOption
    }
    public var kind: Kind
    /// The input's name (usually its path).
    public var input: String
    public var line: Int?
    public var reason: String

    public init(_ kind: Kind, input: String, line: Int? = nil, reason: String) {
        self.kind = kind
        self.input = input
        self.line = line
        self.reason = reason
    }

    public var description: String {
        if let line { return "\(input): line \(line): \(reason)" }
        return "\(input): \(reason)"
    }
}

/// Something odd in a track that was skipped or tolerated (a bad checksum, a time going
/// backwards, a gap).
public struct TrackWarning: Hashable, Sendable, CustomStringConvertible {
    public var line: Int?
    public var message: String

    public init(line: Int?, message: String) {
        self.line = line
        self.message = message
    }

    public var description: String {
        if let line { return "line \(line): \(message)" }
        return message
    }
}
