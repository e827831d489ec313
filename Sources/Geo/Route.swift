import Foundation

/// One time the route came near a place.
public struct RoutePass: Hashable, Sendable {
    /// Track times (seconds) when the vehicle entered and left the radius.
    public var entry: Double
    public var exit: Double
    /// Time and distance (metres) of the closest approach.
    public var closestTime: Double
    public var closestDistance: Double
    /// Metres along the route at the closest approach.
    public var distanceAlongRoute: Double
}

/// A drive's route: its track as a polyline, answering whether and when places were passed.
/// Segments across a gap in the track (see `GPSTrack.maxGap`) are not part of the route.
public struct Route: Sendable {
    public let track: GPSTrack

    public init(track: GPSTrack) { self.track = track }

    /// Every pass within `radius` metres of `place`, in time order, optionally only those
    /// ending after `time`.
    public func passes(near place: Coordinate, within radius: Double, after time: Double? = nil) -> [RoutePass] {
        let pts = track.points
        guard pts.count >= 2 else { return [] }
        let frame = LocalFrame(origin: place)
        var out: [RoutePass] = []
        var open: RoutePass?
        var prev = frame.project(pts[0].coordinate)
        for i in 0..<(pts.count - 1) {
            let next = frame.project(pts[i + 1].coordinate)
            defer { prev = next }
            let ta = pts[i].time, tb = pts[i + 1].time
            let isGap = tb - ta > track.maxGap
            let ax = prev.east, ay = prev.north
            let vx = next.east - ax, vy = next.north - ay
            let vv = vx * vx + vy * vy
            let av = ax * vx + ay * vy
            let aa = ax * ax + ay * ay
            var interval: (Double, Double)?
            if !isGap {
                if vv < 1e-12 {
                    if aa <= radius * radius { interval = (0, 1) }
                } else {
                    let disc = av * av - vv * (aa - radius * radius)
                    if disc >= 0 {
                        let r = disc.squareRoot()
                        let s1 = max(0, (-av - r) / vv), s2 = min(1, (-av + r) / vv)
                        if s1 <= s2 { interval = (s1, s2) }
                    }
                }
            }
            guard let (s1, s2) = interval else {
                if let o = open { out.append(o); open = nil }
                continue
            }
            let sc = vv < 1e-12 ? 0 : min(max(-av / vv, 0), 1)
            let cx = ax + sc * vx, cy = ay + sc * vy
            let cd = (cx * cx + cy * cy).squareRoot()
            let seg = track.cumulativeDistance[i + 1] - track.cumulativeDistance[i]
            let closest = (ta + sc * (tb - ta), cd, track.cumulativeDistance[i] + sc * seg)
            let entry = ta + s1 * (tb - ta), exit = ta + s2 * (tb - ta)
            if var o = open, s1 == 0 {
                o.exit = exit
                if closest.1 < o.closestDistance {
                    (o.closestTime, o.closestDistance, o.distanceAlongRoute) = closest
                }
                open = o
            } else {
                if let o = open { out.append(o) }
                open = RoutePass(entry: entry, exit: exit, closestTime: closest.0, closestDistance: closest.1,
                                 distanceAlongRoute: closest.2)
            }
            if s2 < 1, let o = open { out.append(o); open = nil }
        }
        if let o = open { out.append(o) }
        if let time { return out.filter { $0.exit > time } }
        return out
    }

    /// Whether the route came within `radius` metres of `place` after `time`, on a pass that
    /// began after `time` (the place was left and reached again).
    public func wasPassedAgain(_ place: Coordinate, after time: Double, within radius: Double) -> Bool {
        passes(near: place, within: radius).contains { $0.entry > time }
    }

    /// Time intervals during which `camera` had `place` in view (inside the image and within
    /// its maximum range), sampled every `step` seconds; only instants with a fix and a heading
    /// count.
    public func visibleIntervals(of place: Coordinate, camera: CameraMount, step: Double = 0.25,
                                 after time: Double? = nil) -> [ClosedRange<Double>] {
        var out: [ClosedRange<Double>] = []
        for pass in passes(near: place, within: camera.maxRange, after: time) {
            var t = max(pass.entry, time ?? -.infinity)
            var start: Double?
            var last = t
            while t <= pass.exit + 1e-9 {
                var inView = false
                if let s = track.lookup(t).sample, let h = s.heading {
                    inView = camera.sees(place, from: s.coordinate, heading: h)
                }
                if inView {
                    if start == nil { start = t }
                    last = t
                } else if let s0 = start {
                    out.append(s0...last)
                    start = nil
                }
                t += step
            }
            if let s0 = start { out.append(s0...last) }
        }
        return out
    }
}
