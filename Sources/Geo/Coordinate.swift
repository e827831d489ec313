import Foundation

/// A WGS-84 position in decimal degrees (latitude −90…90, north positive; longitude −180…180,
/// east positive).
public struct Coordinate: Hashable, Sendable, Codable, CustomStringConvertible {
    public var latitude: Double
    public var longitude: Double

    public init(latitude: Double, longitude: Double) {
        self.latitude = latitude
        self.longitude = longitude
    }

    /// True when both values are finite and inside their ranges.
    public var isValid: Bool {
        latitude.isFinite && longitude.isFinite && abs(latitude) <= 90 && abs(longitude) <= 180
    }

    public var description: String {
        String(format: "%.6f,%.6f", latitude, longitude)
    }
}

/// Spherical-Earth geodesy. The mean radius (IUGG R1) keeps great-circle distances within
/// 0.5 % of the ellipsoid everywhere, and far better over the tens of metres the rules use.
public enum Earth {
    /// Mean Earth radius in metres.
    public static let radius = 6_371_008.8

    /// Great-circle (haversine) distance in metres.
    public static func distance(_ a: Coordinate, _ b: Coordinate) -> Double {
        let φ1 = a.latitude.radians, φ2 = b.latitude.radians
        let dφ = φ2 - φ1
        let dλ = (b.longitude - a.longitude).radians
        let h = sin(dφ / 2) * sin(dφ / 2) + cos(φ1) * cos(φ2) * sin(dλ / 2) * sin(dλ / 2)
        return 2 * radius * asin(min(1, sqrt(h)))
    }

    /// Initial bearing from `a` to `b`, degrees clockwise from true north in 0..<360.
    public static func bearing(from a: Coordinate, to b: Coordinate) -> Double {
        let φ1 = a.latitude.radians, φ2 = b.latitude.radians
        let dλ = (b.longitude - a.longitude).radians
        let y = sin(dλ) * cos(φ2)
        let x = cos(φ1) * sin(φ2) - sin(φ1) * cos(φ2) * cos(dλ)
        return Angle.normalized(atan2(y, x).degrees)
    }

    /// The point `distance` metres from `origin` along the great circle leaving at `bearing`
    /// degrees.
    public static func destination(from origin: Coordinate, distance: Double, bearing: Double) -> Coordinate {
        let δ = distance / radius
        let θ = bearing.radians
        let φ1 = origin.latitude.radians, λ1 = origin.longitude.radians
        let φ2 = asin(sin(φ1) * cos(δ) + cos(φ1) * sin(δ) * cos(θ))
        let λ2 = λ1 + atan2(sin(θ) * sin(δ) * cos(φ1), cos(δ) - sin(φ1) * sin(φ2))
        var lon = λ2.degrees
        lon = (lon + 540).truncatingRemainder(dividingBy: 360) - 180
        return Coordinate(latitude: φ2.degrees, longitude: lon)
    }
}

/// Angles in degrees.
public enum Angle {
    /// `degrees` folded into 0..<360.
    public static func normalized(_ degrees: Double) -> Double {
        let r = degrees.truncatingRemainder(dividingBy: 360)
        return r < 0 ? r + 360 : (r == 360 ? 0 : r)
    }

    /// Signed smallest difference `b − a` in −180..<180.
    public static func difference(_ a: Double, _ b: Double) -> Double {
        var d = normalized(b - a)
        if d >= 180 { d -= 360 }
        return d
    }

    /// Circular interpolation from `a` to `b` by `t` (0…1) along the shorter arc.
    public static func interpolate(_ a: Double, _ b: Double, _ t: Double) -> Double {
        normalized(a + difference(a, b) * t)
    }
}

/// A flat local east/north frame around an origin (equirectangular): metres east and north.
/// Over a few kilometres the error against great-circle distance stays below 0.1 %.
public struct LocalFrame: Sendable {
    public let origin: Coordinate
    private let metresPerDegreeLat: Double
    private let metresPerDegreeLon: Double

    public init(origin: Coordinate) {
        self.origin = origin
        metresPerDegreeLat = Earth.radius * .pi / 180
        metresPerDegreeLon = metresPerDegreeLat * cos(origin.latitude.radians)
    }

    /// (east, north) in metres.
    public func project(_ c: Coordinate) -> (east: Double, north: Double) {
        var dLon = c.longitude - origin.longitude
        if dLon > 180 { dLon -= 360 } else if dLon < -180 { dLon += 360 }
        return (dLon * metresPerDegreeLon, (c.latitude - origin.latitude) * metresPerDegreeLat)
    }

    public func unproject(east: Double, north: Double) -> Coordinate {
        Coordinate(latitude: origin.latitude + north / metresPerDegreeLat,
                   longitude: origin.longitude + (metresPerDegreeLon == 0 ? 0 : east / metresPerDegreeLon))
    }
}

extension Double {
    var radians: Double { self * .pi / 180 }
    var degrees: Double { self * 180 / .pi }
}
