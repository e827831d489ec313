import CaseStore
import Foundation
import Geo
import Rules

/// Why a sample got no position.
public struct UnpositionedSamples: Sendable, Equatable {
    public var beforeTrack = 0
    public var afterTrack = 0
    public var inGap = 0
    /// Why the first of them had none ("no fix: 3600.0 s after the track ends").
    public var first: String?
    public var total: Int { beforeTrack + afterTrack + inGap }

    /// "3 sample(s) had no GPS fix (1 before the track, 2 in gaps)".
    public var summary: String? {
        guard total > 0 else { return nil }
        var parts: [String] = []
        if beforeTrack > 0 { parts.append("\(beforeTrack) before the track") }
        if afterTrack > 0 { parts.append("\(afterTrack) after the track") }
        if inGap > 0 { parts.append("\(inGap) in gaps") }
        return "\(total) sample(s) had no GPS fix (\(parts.joined(separator: ", "))); their detections were not placed"
    }
}

/// Where a moving camera's vehicle is: a track read in full, or one growing live.
public protocol VehiclePositions: AnyObject, Sendable {
    func lookup(pts: Double, wallClock: Date) -> TrackLookup
    var sourceDescription: String { get }
    /// The track so far (for the drive's route).
    var currentTrack: GPSTrack { get }
}

/// A track read in full before analysis.
public final class FixedTrack: VehiclePositions, @unchecked Sendable {
    public let track: GPSTrack
    public init(_ track: GPSTrack) { self.track = track }
    public func lookup(pts: Double, wallClock: Date) -> TrackLookup { track.lookup(pts: pts, wallClock: wallClock) }
    public var sourceDescription: String { track.source.description }
    public var currentTrack: GPSTrack { track }
}

extension LiveTrack: VehiclePositions {
    public func lookup(pts: Double, wallClock: Date) -> TrackLookup { lookup(wallClock.timeIntervalSince1970) }
    public var sourceDescription: String { snapshot.source.description }
    public var currentTrack: GPSTrack { snapshot }
}

/// The moving-camera counterpart of `IncidentRecorder`: places each sample's detections on the
/// ground from the vehicle's track, applies the patrol rules (N sightings within M metres,
/// dedup by class and distance, clearing on a later pass; docs/patrol.md), and stores each
/// confirmed pass as an occurrence with evidence, coordinates, heading and the track's source.
/// Re-sightings link to the open case at that place (this drive's or an earlier one's).
public final class PatrolRecorder {
    let store: CaseStore
    let writer: EvidenceWriter
    let config: StreetWardenConfig
    let camera: CameraConfig
    let moving: MovingCameraConfig
    let positions: VehiclePositions
    let sourceID: Int64
    let runID: Int64
    let sourceKey: String
    let site: String
    let evidenceSub: String
    let encode: (RGBCanvas) throws -> [UInt8]
    private let clock: LocalClock
    public private(set) var tracker: PatrolTracker

    /// First-seen frame (JPEG) of each place's current pass, until it is confirmed or dropped.
    private var firstSeen: [Int: (bytes: [UInt8], width: Int, height: Int)] = [:]
    /// The stored event of each place's current confirmed pass, and its latest sighting.
    private var currentEvent: [Int: (key: String, caseID: Int64?, last: Moment, inserted: Bool)] = [:]
    /// Case ids of places (from the store's open cases, or from recorded events).
    private var caseOfPlace: [Int: Int64] = [:]
    private var seededCases = Set<Int64>()

    public private(set) var stored = 0
    public private(set) var skipped = 0
    public private(set) var newCases = 0
    public private(set) var cleared = 0
    public private(set) var countsByClass: [String: Int] = [:]
    public private(set) var unpositioned = UnpositionedSamples()
    /// Detections placed by projection, and those that fell back to the vehicle's position.
    public private(set) var projected = 0
    public private(set) var fallbacks = 0
    /// Seconds a live sample waits for the fix that covers it (live tracks only).
    public var liveWait: Double = 2.5
    /// Seed the rules with the store's open cases near the vehicle as it moves (live drives,
    /// whose extent is not known in advance): every 100 m, the cases within 300 m.
    public var autoSeed = false
    private var lastSeedPoint: Coordinate?
    /// Wall-clock instant of the clip's time 0 (for clip-time tracks' dates).
    private var clipEpoch: Date?

    public init(store: CaseStore, writer: EvidenceWriter, config: StreetWardenConfig, camera: CameraConfig,
                moving: MovingCameraConfig, positions: VehiclePositions, sourceID: Int64, runID: Int64,
                sourceKey: String, evidenceSub: String, encode: @escaping (RGBCanvas) throws -> [UInt8]) {
        self.store = store; self.writer = writer; self.config = config; self.camera = camera; self.moving = moving
        self.positions = positions; self.sourceID = sourceID; self.runID = runID; self.sourceKey = sourceKey
        self.site = "patrol:\(camera.id)"; self.evidenceSub = evidenceSub; self.encode = encode
        self.clock = LocalClock(timeZone: camera.rules.timeZone)
        self.tracker = PatrolTracker(settings: moving.rules)
    }

    /// Seeds the rules with the store's open cases within `radius` metres of a point (call with
    /// the drive's extent before the first sample, or as a live vehicle moves on), so that
    /// re-sightings link to them and passes without the violation clear them.
    public func seedOpenCases(nearLatitude lat: Double, longitude lon: Double, radius: Double) throws {
        for c in try store.openCases(nearLatitude: lat, longitude: lon, radius: radius)
        where !seededCases.contains(c.id) && ViolationClass.all.contains(c.category) {
            guard let clat = c.latitude, let clon = c.longitude else { continue }
            seededCases.insert(c.id)
            let p = tracker.seed(className: c.category, position: Coordinate(latitude: clat, longitude: clon),
                                 externalID: String(c.id), occurrences: c.occurrences)
            caseOfPlace[p.id] = c.id
        }
    }

    /// Seeds with every open case near a whole track (batch analysis).
    public func seedOpenCases(along track: GPSTrack) throws {
        guard let first = track.points.first else { return }
        var minLat = first.coordinate.latitude, maxLat = minLat, minLon = first.coordinate.longitude, maxLon = minLon
        for p in track.points {
            minLat = min(minLat, p.coordinate.latitude); maxLat = max(maxLat, p.coordinate.latitude)
            minLon = min(minLon, p.coordinate.longitude); maxLon = max(maxLon, p.coordinate.longitude)
        }
        let centre = Coordinate(latitude: (minLat + maxLat) / 2, longitude: (minLon + maxLon) / 2)
        let corner = Coordinate(latitude: maxLat, longitude: maxLon)
        try seedOpenCases(nearLatitude: centre.latitude, longitude: centre.longitude,
                          radius: Earth.distance(centre, corner) + moving.mount.maxRange + moving.rules.dedupRadius)
    }

    func key(className: String, firstSightingPTS: Double) -> String {
        "\(sourceKey)|patrol|\(className)|\(Int64((firstSightingPTS * 1000).rounded()))"
    }

    /// Feeds one sample. `image` is called at most once, only when evidence is needed.
    public func process(_ sample: Sample, image: @escaping () throws -> RGBCanvas) throws {
        var frame: RGBCanvas?
        func canvas() throws -> RGBCanvas {
            if let f = frame { return f }
            let f = try image(); frame = f; return f
        }
        clipEpoch = clipEpoch ?? sample.wallClock.addingTimeInterval(-sample.time)
        var lookup = positions.lookup(pts: sample.time, wallClock: sample.wallClock)
        if case .afterEnd(let s) = lookup, let live = positions as? LiveTrack, s <= liveWait {
            // Live fixes arrive a moment after the frames they belong to: wait a little.
            let deadline = Date().addingTimeInterval(liveWait)
            let t = sample.wallClock.timeIntervalSince1970
            while Date() < deadline, (live.endTime ?? -.infinity) < t { usleep(20_000) }
            lookup = positions.lookup(pts: sample.time, wallClock: sample.wallClock)
        }
        if autoSeed, case .fix(let s) = lookup,
           lastSeedPoint.map({ Earth.distance($0, s.coordinate) > 100 }) ?? true {
            lastSeedPoint = s.coordinate
            try seedOpenCases(nearLatitude: s.coordinate.latitude, longitude: s.coordinate.longitude, radius: 300)
        }
        let fix: TrackSample
        if case .fix = lookup {} else if unpositioned.first == nil { unpositioned.first = lookup.explanation }
        switch lookup {
        case .fix(let s): fix = s
        case .beforeStart, .noFixes: unpositioned.beforeTrack += 1; return
        case .afterEnd: unpositioned.afterTrack += 1; return
        case .inGap: unpositioned.inGap += 1; return
        }

        // The regions that count, as for fixed cameras: threshold, masks, zones and schedules.
        let local = clock.local(sample.wallClock)
        var counted: [(obs: Observation, zone: Zone, sighting: PatrolSighting, projected: Bool)] = []
        for obs in sample.observations {
            let policy = camera.rules.policy(for: obs.className)
            if let th = policy.threshold, obs.score < th { continue }
            if camera.rules.masks.contains(where: { $0.hides(obs.className, box: obs.box) }) { continue }
            guard let zone = camera.rules.zones.first(where: {
                $0.prohibits(obs.className, minute: local.minute, weekday: local.weekday)
                    && $0.polygon.coverage(of: obs.box) >= $0.minCoverage
            }) else { continue }
            let g = moving.mount.groundPosition(bottomCentre: ((obs.box.x1 + obs.box.x2) / 2, obs.box.y2),
                                                vehicle: fix.coordinate, heading: fix.heading)
            if g.isProjected { projected += 1 } else { fallbacks += 1 }
            let s = PatrolSighting(className: obs.className, estimate: g, camera: moving.mount, time: sample.time,
                                   routeDistance: fix.distanceAlongRoute)
            counted.append((obs, zone, s, g.isProjected))
        }

        let events = tracker.frame(time: sample.time, routeDistance: fix.distanceAlongRoute, vehicle: fix.coordinate,
                                   heading: fix.heading, camera: moving.mount, sightings: counted.map(\.sighting))

        // Keep the first-seen frame of each pass, and move confirmed passes' last sightings on.
        for c in counted {
            guard let place = tracker.place(near: c.sighting.position, className: c.sighting.className) else { continue }
            if place.passSightings.count == 1, place.passSightings[0].time == sample.time, !place.passConfirmed {
                var f = try canvas()
                f.strokeBox(x1: c.obs.box.x1, y1: c.obs.box.y1, x2: c.obs.box.x2, y2: c.obs.box.y2)
                firstSeen[place.id] = (try encode(f), f.width, f.height)
            }
            if place.passConfirmed, var cur = currentEvent[place.id], cur.last.pts < sample.time {
                cur.last = Moment(pts: sample.time, date: sample.wallClock)
                currentEvent[place.id] = cur
            }
        }

        for e in events {
            switch e {
            case .confirmed(let place, _, let sightings):
                // The box that confirmed: this frame's sighting of the place.
                guard let c = counted.first(where: { $0.sighting.time == sample.time && sightings.last == $0.sighting })
                        ?? counted.first(where: { $0.sighting.className == place.className }) else { continue }
                try flush(placeID: place.id)
                try recordPass(place: place, sightings: sightings, confirming: c, fix: fix, sample: sample, frame: try canvas())
            case .cleared(let place, let pts):
                try flush(placeID: place.id)
                currentEvent[place.id] = nil
                firstSeen[place.id] = nil
                if let caseID = caseOfPlace[place.id] {
                    try store.markCleared(caseID: caseID, at: sample.wallClock.addingTimeInterval(pts - sample.time))
                    cleared += 1
                }
            }
        }
    }

    private func recordPass(place: PatrolPlace, sightings: [PatrolSighting],
                            confirming c: (obs: Observation, zone: Zone, sighting: PatrolSighting, projected: Bool),
                            fix: TrackSample, sample: Sample, frame: RGBCanvas) throws {
        let first = sightings.map(\.time).min() ?? sample.time
        let k = key(className: place.className, firstSightingPTS: first)
        func moment(_ pts: Double) -> Moment { Moment(pts: pts, date: sample.wallClock.addingTimeInterval(pts - sample.time)) }
        if try store.eventExists(key: k) {
            skipped += 1
            currentEvent[place.id] = (k, caseOfPlace[place.id], moment(sample.time), false)
            firstSeen[place.id] = nil
            try store.setPosition(eventKey: k, trackSource: positions.sourceDescription, method: c.projected ? .projected : .vehicle)
            return
        }
        let box = c.obs.box
        let clipTag = sourceKey.split(separator: ":").last.map { String($0.prefix(8)) } ?? "clip"
        let stem = "\(place.className)-\(clipTag)-\(String(format: "%09.3f", first))-patrol"
            .map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." ? $0 : "_" }.reduce("") { $0 + String($1) }
        var files: [EvidenceFile] = []
        var full = frame
        full.strokeBox(x1: box.x1, y1: box.y1, x2: box.x2, y2: box.y2)
        files.append(try writer.write(try encode(full), sub: evidenceSub, name: "\(stem)-frame", kind: .frame,
                                      width: full.width, height: full.height))
        let crop = frame.crop(x1: box.x1, y1: box.y1, x2: box.x2, y2: box.y2)
        files.append(try writer.write(try encode(crop), sub: evidenceSub, name: "\(stem)-crop", kind: .crop,
                                      width: crop.width, height: crop.height))
        if let fs = firstSeen[place.id] {
            files.append(try writer.write(fs.bytes, sub: evidenceSub, name: "\(stem)-first", kind: .firstSeen,
                                          width: fs.width, height: fs.height))
        }
        firstSeen[place.id] = nil
        let centre = place.centre
        let event = NewEvent(
            key: k, runID: runID, sourceID: sourceID, category: place.className,
            code: config.code(for: place.className, override: c.zone.codes[place.className]), zoneID: c.zone.id,
            score: c.obs.score, box: StoredBox(x1: box.x1, y1: box.y1, x2: box.x2, y2: box.y2),
            firstSeen: moment(first), violation: moment(sample.time), lastSeen: moment(sample.time),
            site: site, address: nil, latitude: centre.latitude, longitude: centre.longitude,
            heading: fix.heading, evidence: files)
        var link = config.link
        link.radiusMetres = max(link.radiusMetres, moving.rules.dedupRadius)
        let r = try store.record(event, link: link)
        try store.setPosition(eventKey: k, trackSource: positions.sourceDescription, method: c.projected ? .projected : .vehicle)
        caseOfPlace[place.id] = r.caseID
        currentEvent[place.id] = (k, r.caseID, moment(sample.time), r.inserted)
        if r.inserted {
            stored += 1
            countsByClass[place.className, default: 0] += 1
            if r.newCase { newCases += 1 } else { try store.clearCleared(caseID: r.caseID, seenAt: moment(sample.time).date) }
        } else {
            skipped += 1
        }
    }

    private func flush(placeID: Int) throws {
        guard let cur = currentEvent[placeID] else { return }
        try store.updateEvent(key: cur.key, lastSeen: cur.last, ended: false)
        if let place = tracker.places.first(where: { $0.id == placeID }), cur.inserted {
            try store.updatePosition(eventKey: cur.key, latitude: place.centre.latitude, longitude: place.centre.longitude)
        }
    }

    /// Flushes last sightings and stores the drive's route.
    public func finish() throws {
        for id in currentEvent.keys.sorted() { try flush(placeID: id) }
        currentEvent.removeAll()
        firstSeen.removeAll()
        try saveDrive()
    }

    /// Stores the part of the track the samples covered (the whole track for clip-time
    /// tracks), thinned to a point every 2 m at least, split at gaps.
    public func saveDrive() throws {
        let track = positions.currentTrack
        guard track.points.count >= 2 else { return }
        var pieces: [[DrivePoint]] = [[]]
        var lastKept: Coordinate?
        for (i, p) in track.points.enumerated() {
            if i > 0, p.time - track.points[i - 1].time > track.maxGap, !pieces[pieces.count - 1].isEmpty {
                pieces.append([])
                lastKept = nil
            }
            let isLast = i == track.points.count - 1
            if let l = lastKept, Earth.distance(l, p.coordinate) < 2, !isLast { continue }
            pieces[pieces.count - 1].append(DrivePoint(latitude: p.coordinate.latitude, longitude: p.coordinate.longitude, time: p.time))
            lastKept = p.coordinate
        }
        pieces = pieces.filter { $0.count >= 2 }
        guard !pieces.isEmpty else { return }
        let start = track.startTime!, end = track.endTime!
        let epoch = clipEpoch ?? Date()
        let toDate: (Double) -> Date = track.timeReference == .wallClock
            ? { Date(timeIntervalSince1970: $0) } : { epoch.addingTimeInterval($0) }
        try store.saveDrive(sourceID: sourceID, runID: runID, trackSource: positions.sourceDescription, pieces: pieces,
                            startedAt: toDate(start), endedAt: toDate(end), lengthMetres: track.length)
    }
}
