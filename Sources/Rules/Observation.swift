import Foundation

/// One detected region in one sample: the rule engine's input, as the detector reports it.
public struct Observation: Equatable, Sendable {
    public var className: String
    /// Detector score, 0…1.
    public var score: Double
    public var box: NormalizedBox
    public init(className: String, score: Double, box: NormalizedBox) {
        self.className = className; self.score = score; self.box = box
    }
}

/// All regions seen in one sampled frame.
public struct Sample: Sendable {
    /// Seconds on the source's own clock (presentation time); must not decrease.
    public var time: Double
    /// Wall-clock instant of the frame, used for schedules and for the store.
    public var wallClock: Date
    public var observations: [Observation]
    public init(time: Double, wallClock: Date, observations: [Observation]) {
        self.time = time; self.wallClock = wallClock; self.observations = observations
    }
}

/// A region at one instant.
public struct Sighting: Equatable, Sendable {
    public var time: Double
    public var wallClock: Date
    public var box: NormalizedBox
    public var score: Double
    public init(time: Double, wallClock: Date, box: NormalizedBox, score: Double) {
        self.time = time; self.wallClock = wallClock; self.box = box; self.score = score
    }
}

/// One tracked region in a prohibited zone, from first sighting to its end.
public struct Incident: Equatable, Sendable {
    /// Unique within one engine (one source, one run).
    public var trackID: Int
    public var className: String
    public var zoneID: String
    /// Category code override from the zone, if it sets one for this class.
    public var codeOverride: String?
    public var firstSeen: Sighting
    /// Set once the region has persisted for its class's dwell time.
    public var violation: Sighting?
    public var lastSeen: Sighting
    /// Samples in which the region was seen.
    public var sightings: Int
    /// Highest score seen.
    public var bestScore: Double
}

/// Why an incident ended.
public enum EndReason: String, Sendable {
    /// The region was absent for its clear time.
    case cleared
    /// The input ended while the region was still present.
    case endOfInput
}

/// What the rule engine reports after each sample.
public enum RuleEvent: Equatable, Sendable {
    /// A region was first seen in a prohibited zone (keep this frame: it becomes evidence).
    case trackStarted(Incident)
    /// The region persisted for its dwell time: one violation, reported once per incident.
    case violation(Incident)
    /// A violation ended.
    case ended(Incident, EndReason)
    /// A region that never became a violation is gone; its first-seen frame can be dropped.
    case trackDropped(Incident)
}
