import Foundation

/// Builds RFC 7946 GeoJSON: a FeatureCollection of Point and LineString features with flat
/// properties. Coordinates are written `[longitude, latitude]`, rounded to 7 decimals (~1 cm);
/// keys are sorted so output is stable.
public struct GeoJSONFeatureCollection: Sendable {
    /// A property value.
    public enum Value: Hashable, Sendable, Encodable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral,
                       ExpressibleByFloatLiteral, ExpressibleByBooleanLiteral {
        case string(String), int(Int), double(Double), bool(Bool), null
        case array([Value])
        case object([String: Value])

        public init(stringLiteral v: String) { self = .string(v) }
        public init(integerLiteral v: Int) { self = .int(v) }
        public init(floatLiteral v: Double) { self = .double(v) }
        public init(booleanLiteral v: Bool) { self = .bool(v) }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.singleValueContainer()
            switch self {
            case .string(let s): try c.encode(s)
            case .int(let i): try c.encode(i)
            case .double(let d): if d.isFinite { try c.encode(d) } else { try c.encodeNil() }
            case .bool(let b): try c.encode(b)
            case .null: try c.encodeNil()
            case .array(let a): try c.encode(a)
            case .object(let o): try c.encode(o)
            }
        }
    }

    public enum Geometry: Sendable {
        case point(Coordinate)
        case lineString([Coordinate])
    }

    public struct Feature: Sendable {
        public var geometry: Geometry
        public var properties: [String: Value]
        /// Optional feature id (written as a string).
        public var id: String?

        public init(geometry: Geometry, properties: [String: Value] = [:], id: String? = nil) {
            self.geometry = geometry
            self.properties = properties
            self.id = id
        }
    }

    public var features: [Feature] = []

    public init(features: [Feature] = []) { self.features = features }

    public mutating func addPoint(_ c: Coordinate, properties: [String: Value] = [:], id: String? = nil) {
        features.append(Feature(geometry: .point(c), properties: properties, id: id))
    }

    public mutating func addLineString(_ cs: [Coordinate], properties: [String: Value] = [:], id: String? = nil) {
        features.append(Feature(geometry: .lineString(cs), properties: properties, id: id))
    }

    /// Adds a track as LineStrings, split at gaps so no line is drawn across missing data.
    public mutating func addTrack(_ track: GPSTrack, properties: [String: Value] = [:]) {
        var piece: [Coordinate] = []
        var props = properties
        props["source"] = props["source"] ?? .string(track.source.description)
        for (i, p) in track.points.enumerated() {
            if i > 0, p.time - track.points[i - 1].time > track.maxGap {
                if piece.count >= 2 { addLineString(piece, properties: props) }
                piece = []
            }
            piece.append(p.coordinate)
        }
        if piece.count >= 2 { addLineString(piece, properties: props) }
    }

    /// The collection as JSON text (UTF-8).
    public func json(prettyPrinted: Bool = false) -> String {
        var root: [String: Value] = ["type": "FeatureCollection"]
        root["features"] = .array(features.map { f in
            var o: [String: Value] = ["type": "Feature", "properties": .object(f.properties)]
            if let id = f.id { o["id"] = .string(id) }
            switch f.geometry {
            case .point(let c):
                o["geometry"] = .object(["type": "Point", "coordinates": GeoJSONFeatureCollection.position(c)])
            case .lineString(let cs):
                o["geometry"] = .object(["type": "LineString", "coordinates": .array(cs.map(GeoJSONFeatureCollection.position))])
            }
            return .object(o)
        })
        let enc = JSONEncoder()
        enc.outputFormatting = prettyPrinted ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? enc.encode(Value.object(root))) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    static func position(_ c: Coordinate) -> Value {
        .array([.double((c.longitude * 1e7).rounded() / 1e7), .double((c.latitude * 1e7).rounded() / 1e7)])
    }
}
