import Foundation

/// Turns per-sample regions of one camera into incidents: zones and schedules, masks,
/// thresholds, dwell, hysteresis. One engine per source; not thread-safe.
///
/// A region counts only if it passes its class threshold, is not masked, and lies in a zone
/// that prohibits its class at that local time. Counting regions are matched to tracks of the
/// same class by IoU. A track becomes a violation after persisting for the class's dwell
/// time, is reported once, and ends after its clear time without a matching region, so a missed
/// sample or a brief occlusion never splits it and a stationary violation never re-alerts.
public final class RuleEngine {
    public let rules: CameraRules
    /// Made on first use: zones without schedules or allowances never ask for local time.
    private lazy var clock = LocalClock(timeZone: rules.timeZone)
    private var tracks: [Incident] = []
    private var nextTrackID = 1
    private var lastTime: Double = -.infinity

    public init(rules: CameraRules) {
        self.rules = rules
    }

    /// Tracks alive now, violating or pending.
    public var activeTracks: [Incident] { tracks }

    /// Feeds one sample; returns what happened, ended tracks first.
    public func process(_ sample: Sample) -> [RuleEvent] {
        var events: [RuleEvent] = []
        let t = max(sample.time, lastTime)
        lastTime = t

        // 1. Expire tracks absent for longer than their clear time.
        tracks.removeAll { track in
            let clear = rules.policy(for: track.className).clear
            guard t - track.lastSeen.time > clear else { return false }
            events.append(track.violation != nil ? .ended(track, .cleared) : .trackDropped(track))
            return true
        }

        // 2. Keep the regions that count.
        // Local time only matters to zones with schedules or allowances; worked out once, if asked.
        var localTime: (minute: Int, weekday: Int)?
        var counting: [(obs: Observation, zone: Zone)] = []
        for obs in sample.observations {
            let policy = rules.policy(for: obs.className)
            if let th = policy.threshold, obs.score < th { continue }
            if rules.masks.contains(where: { $0.hides(obs.className, box: obs.box) }) { continue }
            guard let zone = rules.zones.first(where: { zone in
                var local = (minute: 0, weekday: 1)
                if !zone.activeWindows.isEmpty || !zone.allowances.isEmpty {
                    if localTime == nil { localTime = clock.local(sample.wallClock) }
                    local = localTime!
                }
                return zone.prohibits(obs.className, minute: local.minute, weekday: local.weekday)
                    && zone.polygon.coverage(of: obs.box) >= zone.minCoverage
            }) else { continue }
            counting.append((obs, zone))
        }

        // 3. Match regions to tracks of the same class, best IoU first.
        var pairs: [(iou: Double, obs: Int, track: Int)] = []
        for (oi, c) in counting.enumerated() {
            for (ti, tr) in tracks.enumerated() where tr.className == c.obs.className {
                let iou = Self.affinity(tr.lastSeen.box, c.obs.box)
                if iou >= rules.matchIoU { pairs.append((iou, oi, ti)) }
            }
        }
        pairs.sort { $0.iou != $1.iou ? $0.iou > $1.iou : ($0.track, $0.obs) < ($1.track, $1.obs) }
        var usedObs = Set<Int>(), usedTrack = Set<Int>(), overlapping = Set<Int>()
        for p in pairs {
            overlapping.insert(p.obs)
            guard !usedObs.contains(p.obs), !usedTrack.contains(p.track) else { continue }
            usedObs.insert(p.obs); usedTrack.insert(p.track)
            let obs = counting[p.obs].obs
            var tr = tracks[p.track]
            tr.lastSeen = Sighting(time: t, wallClock: sample.wallClock, box: obs.box, score: obs.score)
            tr.sightings += 1
            tr.bestScore = max(tr.bestScore, obs.score)
            if tr.violation == nil, t - tr.firstSeen.time >= rules.policy(for: tr.className).dwell {
                tr.violation = tr.lastSeen
                events.append(.violation(tr))
            }
            tracks[p.track] = tr
        }

        // 4. New tracks for regions that overlap no track (duplicates of a matched region are dropped).
        let fresh = counting.indices.filter { !usedObs.contains($0) && !overlapping.contains($0) }
            .sorted { counting[$0].obs.score > counting[$1].obs.score }
        let existing = tracks.count
        for oi in fresh {
            let c = counting[oi]
            if tracks[existing...].contains(where: { $0.className == c.obs.className && Self.affinity($0.firstSeen.box, c.obs.box) >= rules.matchIoU }) {
                continue
            }
            let s = Sighting(time: t, wallClock: sample.wallClock, box: c.obs.box, score: c.obs.score)
            var tr = Incident(trackID: nextTrackID, className: c.obs.className, zoneID: c.zone.id,
                              codeOverride: c.zone.codes[c.obs.className], firstSeen: s, violation: nil,
                              lastSeen: s, sightings: 1, bestScore: c.obs.score)
            nextTrackID += 1
            events.append(.trackStarted(tr))
            if rules.policy(for: tr.className).dwell <= 0 {
                tr.violation = s
                events.append(.violation(tr))
            }
            tracks.append(tr)
        }
        return events
    }

    /// How well a region continues a track: the IoU of their boxes, raised to `matchIoU`'s
    /// usual value (0.3) when each box's centre lies inside the other — a stationary object whose
    /// detected box grows, shrinks or shifts between samples is still the same object.
    static func affinity(_ a: NormalizedBox, _ b: NormalizedBox) -> Double {
        let iou = a.iou(b)
        if a.contains(b.center) && b.contains(a.center) { return max(iou, 0.3) }
        return iou
    }

    /// Ends every track at the end of the input.
    public func finish() -> [RuleEvent] {
        let events: [RuleEvent] = tracks.map { $0.violation != nil ? .ended($0, .endOfInput) : .trackDropped($0) }
        tracks.removeAll()
        return events
    }
}
