import Foundation

/// The classes StreetWarden knows, in the model's order.
public enum ViolationClass {
    public static let streetVending = "street_vending"
    public static let garbage = "garbage"
    public static let illegalAd = "illegal_ad"
    public static let all = [streetVending, garbage, illegalAd]
}

/// A class allowed in a zone during some windows (a night market allows vending 18:00–22:00).
public struct Allowance: Equatable, Sendable {
    public var classes: Set<String>
    public var windows: [DailyWindow]
    public init(classes: Set<String>, windows: [DailyWindow]) {
        self.classes = classes; self.windows = windows
    }
}

/// An area of the image where some classes are prohibited.
public struct Zone: Equatable, Sendable {
    public var id: String
    public var name: String
    public var polygon: Polygon
    /// Classes this zone prohibits.
    public var prohibited: Set<String>
    /// Windows in which the zone is enforced at all; empty means always.
    public var activeWindows: [DailyWindow]
    /// Exceptions: classes allowed during windows.
    public var allowances: [Allowance]
    /// Category code override per class for incidents in this zone (e.g. 0504 for a shop front).
    public var codes: [String: String]
    /// Fraction of a region's box (0…1) that must lie in the polygon for the region to count.
    public var minCoverage: Double

    public init(id: String, name: String? = nil, polygon: Polygon = .fullFrame,
                prohibited: Set<String> = Set(ViolationClass.all), activeWindows: [DailyWindow] = [],
                allowances: [Allowance] = [], codes: [String: String] = [:], minCoverage: Double = 0.5) {
        self.id = id; self.name = name ?? id; self.polygon = polygon
        self.prohibited = prohibited; self.activeWindows = activeWindows
        self.allowances = allowances; self.codes = codes; self.minCoverage = minCoverage
    }

    /// Whether `className` is prohibited here at local (`minute`, `weekday`).
    public func prohibits(_ className: String, minute: Int, weekday: Int) -> Bool {
        guard prohibited.contains(className) else { return false }
        if !activeWindows.isEmpty, !activeWindows.contains(where: { $0.contains(minute: minute, weekday: weekday) }) {
            return false
        }
        for a in allowances where a.classes.contains(className) {
            if a.windows.contains(where: { $0.contains(minute: minute, weekday: weekday) }) { return false }
        }
        return true
    }

    /// The zone used when a camera names none: whole frame, all classes prohibited.
    public static let wholeFrame = Zone(id: "frame", name: "whole frame")
}

/// An area to ignore, such as a permitted signboard.
public struct Mask: Equatable, Sendable {
    public var id: String
    public var polygon: Polygon
    /// Only these classes are ignored; empty means all.
    public var classes: Set<String>
    /// A region is ignored when at least this fraction of its box is inside the mask.
    public var minCoverage: Double
    public init(id: String, polygon: Polygon, classes: Set<String> = [], minCoverage: Double = 0.5) {
        self.id = id; self.polygon = polygon; self.classes = classes; self.minCoverage = minCoverage
    }
    public func hides(_ className: String, box: NormalizedBox) -> Bool {
        (classes.isEmpty || classes.contains(className)) && polygon.coverage(of: box) >= minCoverage
    }
}

/// Per-class timing and threshold.
public struct ClassPolicy: Equatable, Sendable {
    /// Minimum detector score (0…1) for a region to count; nil keeps the model's threshold.
    public var threshold: Double?
    /// Seconds a region must persist in a prohibited zone before it becomes a violation.
    public var dwell: Double
    /// Seconds without the region after which an incident (or a pending track) ends. Gaps
    /// shorter than this (missed samples, a passer-by's occlusion) do not split an incident.
    public var clear: Double

    public init(threshold: Double? = nil, dwell: Double, clear: Double) {
        self.threshold = threshold; self.dwell = dwell; self.clear = clear
    }

    /// Defaults: vending 180 s, garbage 120 s, ads 60 s of dwell; 60 s to clear.
    public static let defaults: [String: ClassPolicy] = [
        ViolationClass.streetVending: ClassPolicy(dwell: 180, clear: 60),
        ViolationClass.garbage: ClassPolicy(dwell: 120, clear: 60),
        ViolationClass.illegalAd: ClassPolicy(dwell: 60, clear: 60),
    ]
}

/// Everything the rule engine needs to know about one camera.
public struct CameraRules: Equatable, Sendable {
    public var zones: [Zone]
    public var masks: [Mask]
    public var policies: [String: ClassPolicy]
    public var timeZone: TimeZone
    /// IoU (0…1) above which a region continues an existing track.
    public var matchIoU: Double

    public init(zones: [Zone] = [.wholeFrame], masks: [Mask] = [],
                policies: [String: ClassPolicy] = ClassPolicy.defaults,
                timeZone: TimeZone = .current, matchIoU: Double = 0.3) {
        self.zones = zones; self.masks = masks; self.policies = policies
        self.timeZone = timeZone; self.matchIoU = matchIoU
    }

    public func policy(for className: String) -> ClassPolicy {
        policies[className] ?? ClassPolicy.defaults[className] ?? ClassPolicy(dwell: 120, clear: 60)
    }
}
