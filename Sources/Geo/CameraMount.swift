import Foundation

/// How a camera sits on a patrol vehicle. Pinhole model, no lens distortion, no roll (a
/// gimbal holds the horizon level), flat ground.
public struct CameraMount: Hashable, Sendable, Codable {
    /// Metres from the ground to the lens.
    public var height: Double
    /// Degrees below the horizontal of the optical axis (positive looks down).
    public var pitch: Double
    /// Degrees clockwise from the vehicle's heading to the optical axis (0 ahead, 90 right).
    public var headingOffset: Double
    /// Horizontal field of view in degrees.
    public var horizontalFOV: Double
    /// Image width / height (16:9 by default).
    public var aspectRatio: Double
    /// Metres beyond which a projected position is not trusted and the vehicle's position is
    /// used instead (see docs/patrol.md for the error at range).
    public var maxRange: Double

    public static let defaultMaxRange = 30.0

    public init(height: Double = 2.0, pitch: Double = 10, headingOffset: Double = 0, horizontalFOV: Double = 90,
                aspectRatio: Double = 16.0 / 9.0, maxRange: Double = CameraMount.defaultMaxRange) {
        self.height = height
        self.pitch = pitch
        self.headingOffset = headingOffset
        self.horizontalFOV = horizontalFOV
        self.aspectRatio = aspectRatio
        self.maxRange = maxRange
    }

    /// Problems with the values, one phrase each (empty when usable).
    public var problems: [String] {
        var p: [String] = []
        if !(height > 0 && height < 50) { p.append("mounting height \(height) m must be in 0…50 m") }
        if !(pitch > -45 && pitch < 90) { p.append("pitch \(pitch)° must be in −45…90° (positive looks down)") }
        if !(horizontalFOV > 1 && horizontalFOV < 179) { p.append("horizontal field of view \(horizontalFOV)° must be in 1…179°") }
        if !(aspectRatio > 0.1 && aspectRatio < 10) { p.append("aspect ratio \(aspectRatio) must be in 0.1…10") }
        if !(maxRange > 0) { p.append("maximum range \(maxRange) m must be positive") }
        if !headingOffset.isFinite { p.append("heading offset must be a number of degrees") }
        return p
    }

    /// Vertical field of view in degrees, from the horizontal one and the aspect ratio.
    public var verticalFOV: Double {
        2 * atan(tan(horizontalFOV.radians / 2) / aspectRatio).degrees
    }

    /// Ground point seen at normalized image position (`x` 0…1 left→right, `y` 0…1 top→bottom),
    /// as metres ahead along the camera's azimuth and to its right; nil when that pixel looks
    /// at or above the horizon.
    public func groundOffset(x: Double, y: Double) -> (forward: Double, right: Double)? {
        let tx = (2 * x - 1) * tan(horizontalFOV.radians / 2)
        let ty = (2 * y - 1) * tan(verticalFOV.radians / 2)
        let θ = pitch.radians
        let down = sin(θ) + ty * cos(θ)
        guard down > 1e-6 else { return nil }
        let t = height / down
        return (t * (cos(θ) - ty * sin(θ)), t * tx)
    }

    /// Normalized image position of a ground point `forward`/`right` metres from the camera
    /// (camera-azimuth frame); nil when it is behind the camera or outside the image.
    public func imagePoint(forward: Double, right: Double) -> (x: Double, y: Double)? {
        let θ = pitch.radians
        let zc = forward * cos(θ) + height * sin(θ)
        let yc = -forward * sin(θ) + height * cos(θ)
        guard zc > 1e-6 else { return nil }
        let x = (right / zc / tan(horizontalFOV.radians / 2) + 1) / 2
        let y = (yc / zc / tan(verticalFOV.radians / 2) + 1) / 2
        guard (0...1).contains(x), (0...1).contains(y) else { return nil }
        return (x, y)
    }

    /// Where a detection stands on the ground. `bottomCentre` is the box's bottom-centre in
    /// normalized image coordinates; `heading` is the vehicle's. Falls back to the vehicle's
    /// position when the heading is unknown, the point is at or above the horizon, or it lies
    /// beyond `maxRange`.
    public func groundPosition(bottomCentre: (x: Double, y: Double), vehicle: Coordinate, heading: Double?) -> GroundEstimate {
        guard let heading else { return .fallback(vehicle, reason: .noHeading) }
        guard let (f, r) = groundOffset(x: bottomCentre.x, y: bottomCentre.y) else {
            return .fallback(vehicle, reason: .aboveHorizon)
        }
        let range = (f * f + r * r).squareRoot()
        guard range <= maxRange else { return .fallback(vehicle, reason: .beyondRange(range)) }
        let bearing = Angle.normalized(heading + headingOffset + atan2(r, f).degrees)
        return GroundEstimate(coordinate: Earth.destination(from: vehicle, distance: range, bearing: bearing),
                              method: .projected, range: range, bearing: bearing)
    }

    /// Whether a place on the ground lies inside the image and within `maxRange` when the
    /// vehicle is at `vehicle` heading `heading`.
    public func sees(_ place: Coordinate, from vehicle: Coordinate, heading: Double) -> Bool {
        let (e, n) = LocalFrame(origin: vehicle).project(place)
        guard (e * e + n * n).squareRoot() <= maxRange else { return false }
        let ψ = (heading + headingOffset).radians
        let forward = n * cos(ψ) + e * sin(ψ)
        let right = e * cos(ψ) - n * sin(ψ)
        return imagePoint(forward: forward, right: right) != nil
    }

    /// Metres by which the estimated range of a ground point at `range` metres changes when the
    /// pitch is off by `pitchError` degrees (positive: camera looks further down than assumed).
    public func rangeError(atRange range: Double, pitchError: Double) -> Double {
        let depression = atan(height / range)
        let wrong = depression - pitchError.radians
        guard wrong > 1e-6 else { return .infinity }
        return height / tan(wrong) - range
    }
}

/// A detection's estimated ground position.
public struct GroundEstimate: Hashable, Sendable {
    public enum Method: Hashable, Sendable {
        /// The box's bottom centre projected on the ground plane.
        case projected
        /// The vehicle's own position, because projection was not possible.
        case vehiclePosition(FallbackReason)
    }
    public enum FallbackReason: Hashable, Sendable, CustomStringConvertible {
        case noHeading, aboveHorizon, beyondRange(Double)
        public var description: String {
            switch self {
            case .noHeading: return "vehicle heading unknown"
            case .aboveHorizon: return "box bottom at or above the horizon"
            case .beyondRange(let r): return String(format: "projected range %.0f m beyond the camera's maximum", r)
            }
        }
    }

    public var coordinate: Coordinate
    public var method: Method
    /// Metres from the vehicle (nil for a fallback).
    public var range: Double?
    /// Degrees from true north, vehicle to point (nil for a fallback).
    public var bearing: Double?

    public var isProjected: Bool { method == .projected }

    static func fallback(_ c: Coordinate, reason: FallbackReason) -> GroundEstimate {
        GroundEstimate(coordinate: c, method: .vehiclePosition(reason), range: nil, bearing: nil)
    }
}
