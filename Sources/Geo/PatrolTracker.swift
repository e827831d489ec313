import Foundation

/// Rules for moving cameras, which replace dwell time: a violation is confirmed by enough
/// sightings close together along the route; sightings of the same class within a radius are
/// one place, across frames, passes and (through `seed`) earlier drives; a place passed again
/// in view without a sighting is cleared.
public struct PatrolRuleSettings: Hashable, Sendable, Codable {
    /// Metres: sightings of one class closer than this to a place's centre are that place.
    public var dedupRadius: Double
    /// Sightings (distinct frames) needed to confirm a place on one pass. Two, because at
    /// 30 km/h and one sample a second a kerbside object stays in a 90° front camera's view
    /// for only 2–3 samples (docs/patrol.md); one frame alone never confirms.
    public var minSightings: Int
    /// Metres along the route within which those sightings must fall.
    public var confirmWindow: Double
    /// Metres driven after a place's last sighting before the vehicle counts as being on a
    /// new pass of it.
    public var newPassDistance: Double
    /// Sampled frames on a later pass with the place in view but not sighted that clear it.
    public var clearFrames: Int
    /// Metres: only frames with the place this close count towards clearing (a detector misses
    /// small, far objects; near ones it does not).
    public var clearRange: Double

    public static let defaults = PatrolRuleSettings()

    public init(dedupRadius: Double = 15, minSightings: Int = 2, confirmWindow: Double = 50,
                newPassDistance: Double = 100, clearFrames: Int = 2, clearRange: Double = 25) {
        self.dedupRadius = dedupRadius
        self.minSightings = minSightings
        self.confirmWindow = confirmWindow
        self.newPassDistance = newPassDistance
        self.clearFrames = clearFrames
        self.clearRange = clearRange
    }

    /// Whether at least `minSightings` of `routeDistances` fall within `confirmWindow` metres
    /// of each other.
    public func confirms(routeDistances: [Double]) -> Bool {
        guard minSightings > 0 else { return true }
        let d = routeDistances.sorted()
        guard d.count >= minSightings else { return false }
        var lo = 0
        for hi in 0..<d.count {
            while d[hi] - d[lo] > confirmWindow { lo += 1 }
            if hi - lo + 1 >= minSightings { return true }
        }
        return false
    }
}

/// One detection's ground position at one sampled frame.
public struct PatrolSighting: Hashable, Sendable {
    public var className: String
    public var position: Coordinate
    /// Track time of the frame (seconds).
    public var time: Double
    /// Metres along the drive's route at the frame.
    public var routeDistance: Double
    /// How much this sighting's position counts in its place's centre (see `weight(range:)`).
    public var weight: Double
    /// Metres within which the true position may lie, when that exceeds the dedup radius:
    /// set for a fallback to the vehicle's position (the object is somewhere in view, up to
    /// the camera's range). Such a sighting joins the nearest place within this distance, and
    /// never starts a place of its own.
    public var uncertainty: Double

    public init(className: String, position: Coordinate, time: Double, routeDistance: Double, weight: Double = 1,
                uncertainty: Double = 0) {
        self.className = className
        self.position = position
        self.time = time
        self.routeDistance = routeDistance
        self.weight = weight
        self.uncertainty = uncertainty
    }

    /// A sighting from a ground estimate: projected positions are weighted by range, fallbacks
    /// carry the camera's range as their uncertainty.
    public init(className: String, estimate: GroundEstimate, camera: CameraMount, time: Double, routeDistance: Double) {
        self.init(className: className, position: estimate.coordinate, time: time, routeDistance: routeDistance,
                  weight: PatrolSighting.weight(range: estimate.range),
                  uncertainty: estimate.isProjected ? 0 : 2 * camera.maxRange)
    }

    /// Weight for a position projected from `range` metres (nil: the vehicle's own position).
    /// Projection error grows roughly with the square of the range (docs/patrol.md), so near
    /// sightings dominate a place's centre: 1 at 0 m, 0.5 at 10 m, 0.1 at 30 m; 0.05 for a
    /// fallback to the vehicle's position.
    public static func weight(range: Double?) -> Double {
        guard let range else { return 0.05 }
        return 1 / (1 + (range / 10) * (range / 10))
    }
}

/// A place where a violation was sighted.
public struct PatrolPlace: Hashable, Sendable {
    public enum State: String, Hashable, Sendable { case candidate, active, cleared }
    public let id: Int
    public let className: String
    /// Mean of the sightings' positions (or the seeded position).
    public private(set) var centre: Coordinate
    public fileprivate(set) var state: State
    /// Confirmed passes so far (including those of earlier drives when seeded).
    public fileprivate(set) var occurrences: Int
    /// The store's case id when the place came from an earlier drive or was linked to one.
    public var externalID: String?
    public fileprivate(set) var firstSeen: Double?
    public fileprivate(set) var lastSeen: Double?
    fileprivate var positionWeight: Double
    fileprivate var lastRouteDistance: Double = -.infinity
    /// Sightings of the current pass (reset when a new pass begins).
    public fileprivate(set) var passSightings: [PatrolSighting] = []
    /// Whether the current pass has been confirmed.
    public fileprivate(set) var passConfirmed = false
    fileprivate var missedInView = 0

    fileprivate mutating func absorb(_ c: Coordinate, weight: Double) {
        let weight = max(weight, 1e-6)
        positionWeight += weight
        let w = weight / positionWeight
        centre = Coordinate(latitude: centre.latitude + (c.latitude - centre.latitude) * w,
                            longitude: centre.longitude + (c.longitude - centre.longitude) * w)
    }

    fileprivate init(id: Int, className: String, centre: Coordinate, state: State, occurrences: Int, positionWeight: Double) {
        self.id = id
        self.className = className
        self.centre = centre
        self.state = state
        self.occurrences = occurrences
        self.positionWeight = positionWeight
    }
}

/// What the tracker decided.
public enum PatrolEvent: Hashable, Sendable {
    /// A place was confirmed on a pass. `occurrence` 1 is a new incident; more is a re-sighting
    /// of a known place (its case's occurrence count). `sightings` are the pass's sightings.
    case confirmed(place: PatrolPlace, occurrence: Int, sightings: [PatrolSighting])
    /// A confirmed place was passed again in view without being sighted.
    case cleared(place: PatrolPlace, time: Double)
}

/// Incremental moving-camera rules for one drive. Feed it every sampled frame that has a fix,
/// with that frame's sightings.
public struct PatrolTracker: Sendable {
    public let settings: PatrolRuleSettings
    public private(set) var places: [PatrolPlace] = []

    public init(settings: PatrolRuleSettings = .defaults) {
        self.settings = settings
    }

    /// Adds a place known from earlier drives (an open case), so re-sightings link to it.
    @discardableResult
    public mutating func seed(className: String, position: Coordinate, externalID: String, occurrences: Int) -> PatrolPlace {
        var p = PatrolPlace(id: places.count, className: className, centre: position, state: .active,
                            occurrences: occurrences, positionWeight: 1)
        p.externalID = externalID
        places.append(p)
        return p
    }

    /// The nearest place of `className` within the dedup radius of `position`.
    public func place(near position: Coordinate, className: String) -> PatrolPlace? {
        nearestIndex(position, className).map { places[$0] }
    }

    private func nearestIndex(_ position: Coordinate, _ className: String, radius: Double? = nil) -> Int? {
        let radius = max(radius ?? 0, settings.dedupRadius)
        var best: (Int, Double)?
        for (i, p) in places.enumerated() where p.className == className {
            let d = Earth.distance(p.centre, position)
            if d <= radius, d < (best?.1 ?? .infinity) { best = (i, d) }
        }
        return best?.0
    }

    /// Processes one sampled frame: its vehicle pose (for clearing) and its sightings.
    /// `camera` nil disables clearing for this frame.
    public mutating func frame(time: Double, routeDistance: Double, vehicle: Coordinate, heading: Double?,
                               camera: CameraMount?, sightings: [PatrolSighting]) -> [PatrolEvent] {
        var events: [PatrolEvent] = []
        var sightedThisFrame = Set<Int>()
        for s in sightings {
            let i: Int
            if let j = nearestIndex(s.position, s.className, radius: s.uncertainty) {
                i = j
            } else if s.uncertainty > settings.dedupRadius {
                continue
            } else {
                places.append(PatrolPlace(id: places.count, className: s.className, centre: s.position,
                                          state: .candidate, occurrences: 0, positionWeight: 0))
                i = places.count - 1
            }
            sightedThisFrame.insert(i)
            var p = places[i]
            if s.routeDistance - p.lastRouteDistance > settings.newPassDistance {
                p.passSightings = []
                p.passConfirmed = false
            }
            p.absorb(s.position, weight: s.weight)
            p.lastRouteDistance = max(p.lastRouteDistance, s.routeDistance)
            p.firstSeen = p.firstSeen ?? s.time
            p.lastSeen = s.time
            p.missedInView = 0
            if !p.passSightings.contains(where: { $0.time == s.time }) { p.passSightings.append(s) }
            if !p.passConfirmed, settings.confirms(routeDistances: p.passSightings.map(\.routeDistance)) {
                p.passConfirmed = true
                p.state = .active
                p.occurrences += 1
                events.append(.confirmed(place: p, occurrence: p.occurrences, sightings: p.passSightings))
            }
            places[i] = p
        }
        guard let camera, let heading else { return events }
        for i in places.indices where places[i].state == .active && !sightedThisFrame.contains(i) {
            guard routeDistance - places[i].lastRouteDistance > settings.newPassDistance,
                  Earth.distance(places[i].centre, vehicle) <= settings.clearRange,
                  camera.sees(places[i].centre, from: vehicle, heading: heading) else { continue }
            places[i].missedInView += 1
            if places[i].missedInView >= settings.clearFrames {
                places[i].state = .cleared
                places[i].missedInView = 0
                places[i].passSightings = []  // a sighting after this starts a new pass
                places[i].passConfirmed = false
                events.append(.cleared(place: places[i], time: time))
            }
        }
        return events
    }
}
