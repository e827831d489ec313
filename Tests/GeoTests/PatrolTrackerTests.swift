import XCTest
@testable import Geo

final class PatrolTrackerTests: XCTestCase {
    struct Violation { var className: String; var place: Coordinate; var laps: Set<Int> }

    let camera = CameraMount(height: 2, pitch: 10, headingOffset: 0, horizontalFOV: 90)

    /// Drives the block, "detects" each violation present on the current lap when the camera
    /// sees it (its box bottom is where the camera model puts the place, plus seeded jitter of
    /// up to ±`jitter` image widths), and feeds the tracker.
    func drive(laps: Int, violations: [Violation], tracker: inout PatrolTracker, sampleEvery dt: Double = 0.5,
               jitter: Double = 0.01) -> [PatrolEvent] {
        let track = TestDrive.block(laps: laps).track()
        let lapSeconds = 640.0 / 8
        var rng = SeededRNG(seed: 42)
        var events: [PatrolEvent] = []
        var t = track.startTime!
        while t <= track.endTime! {
            defer { t += dt }
            guard let s = track.lookup(t).sample, let heading = s.heading else { continue }
            let lap = Int((t - track.startTime!) / lapSeconds)
            var sightings: [PatrolSighting] = []
            for v in violations where v.laps.contains(lap) && camera.sees(v.place, from: s.coordinate, heading: heading) {
                let (e, n) = LocalFrame(origin: s.coordinate).project(v.place)
                let ψ = heading * .pi / 180
                guard let (x, y) = camera.imagePoint(forward: n * cos(ψ) + e * sin(ψ), right: e * cos(ψ) - n * sin(ψ)) else { continue }
                let jx = x + Double.random(in: -jitter...jitter, using: &rng)
                let jy = y + Double.random(in: -jitter...jitter, using: &rng)
                let g = camera.groundPosition(bottomCentre: (jx, jy), vehicle: s.coordinate, heading: heading)
                sightings.append(PatrolSighting(className: v.className, estimate: g, camera: camera, time: t,
                                          routeDistance: s.distanceAlongRoute))
            }
            events += tracker.frame(time: t, routeDistance: s.distanceAlongRoute, vehicle: s.coordinate, heading: heading,
                                    camera: camera, sightings: sightings)
        }
        return events
    }

    func kerb(_ metres: Double, leg bearing: Double, from start: Coordinate, side: Double) -> Coordinate {
        Earth.destination(from: Earth.destination(from: start, distance: metres, bearing: bearing), distance: 8, bearing: side)
    }

    func testSameViolationAtTwoPlacesRevisitedOnTheNextLap() {
        for (dt, jitter) in [(0.5, 0.01), (1.0, 0.02), (0.25, 0.03)] {
            scenario(sampleEvery: dt, jitter: jitter)
        }
    }

    func scenario(sampleEvery dt: Double, jitter: Double) {
        let nw = TestDrive.origin
        let se = Earth.destination(from: Earth.destination(from: nw, distance: 200, bearing: 90), distance: 120, bearing: 180)
        let garbage = kerb(100, leg: 90, from: nw, side: 180)       // east-bound leg, right kerb
        let vending = kerb(100, leg: 270, from: se, side: 0)        // west-bound leg, right kerb
        var tracker = PatrolTracker()
        let events = drive(laps: 2, violations: [Violation(className: "garbage", place: garbage, laps: [0, 1]),
                                                 Violation(className: "garbage", place: vending, laps: [0])],
                           tracker: &tracker, sampleEvery: dt, jitter: jitter)
        var summary: [String] = []
        for e in events {
            switch e {
            case .confirmed(let p, let occurrence, let sightings):
                XCTAssertGreaterThanOrEqual(sightings.count, 2)
                summary.append("confirmed \(p.id) #\(occurrence)")
            case .cleared(let p, _): summary.append("cleared \(p.id)")
            }
        }
        XCTAssertEqual(summary, ["confirmed 0 #1", "confirmed 1 #1", "confirmed 0 #2", "cleared 1"], "every \(dt) s, jitter \(jitter)")
        XCTAssertEqual(tracker.places.count, 2, "one place per real violation across both laps")
        XCTAssertLessThan(Earth.distance(tracker.places[0].centre, garbage), 3)
        XCTAssertLessThan(Earth.distance(tracker.places[1].centre, vending), 3)
        XCTAssertEqual(tracker.places[0].state, .active)
        XCTAssertEqual(tracker.places[1].state, .cleared)
        XCTAssertEqual(tracker.places[0].occurrences, 2)
    }

    func testDedupRadiusAndClassesKeepPlacesApart() {
        let nw = TestDrive.origin
        var tracker = PatrolTracker()
        _ = drive(laps: 1, violations: [
            Violation(className: "garbage", place: kerb(60, leg: 90, from: nw, side: 180), laps: [0]),
            Violation(className: "garbage", place: kerb(90, leg: 90, from: nw, side: 180), laps: [0]),   // 30 m on
            Violation(className: "illegal_ad", place: kerb(92, leg: 90, from: nw, side: 180), laps: [0]), // 2 m, other class
        ], tracker: &tracker)
        XCTAssertEqual(tracker.places.map(\.className).sorted(), ["garbage", "garbage", "illegal_ad"])
        XCTAssertTrue(tracker.places.allSatisfy { $0.state == .active })
    }

    func testASingleFrameIsNotEnough() {
        var tracker = PatrolTracker()
        let p = TestDrive.origin
        let s = PatrolSighting(className: "garbage", position: p, time: 0, routeDistance: 0)
        XCTAssertTrue(tracker.frame(time: 0, routeDistance: 0, vehicle: p, heading: 0, camera: nil, sightings: [s, s]).isEmpty)
        XCTAssertEqual(tracker.places[0].state, .candidate)
        // Later frames each more than 50 m of route apart do not confirm either.
        var s2 = s; s2.time = 10; s2.routeDistance = 60
        var s3 = s; s3.time = 20; s3.routeDistance = 120
        XCTAssertTrue(tracker.frame(time: 10, routeDistance: 60, vehicle: p, heading: 0, camera: nil, sightings: [s2]).isEmpty)
        XCTAssertTrue(tracker.frame(time: 20, routeDistance: 120, vehicle: p, heading: 0, camera: nil, sightings: [s3]).isEmpty)
    }

    func testReSightingOnALaterDayLinksToTheOpenCase() {
        let garbage = kerb(100, leg: 90, from: TestDrive.origin, side: 180)
        var tracker = PatrolTracker()
        // The store's open case sits 4 m from the true place (yesterday's estimate).
        tracker.seed(className: "garbage", position: Earth.destination(from: garbage, distance: 4, bearing: 30),
                     externalID: "case-7", occurrences: 3)
        let events = drive(laps: 1, violations: [Violation(className: "garbage", place: garbage, laps: [0])], tracker: &tracker)
        guard events.count == 1, case .confirmed(let p, let occurrence, _) = events[0] else { return XCTFail("\(events)") }
        XCTAssertEqual(p.externalID, "case-7")
        XCTAssertEqual(occurrence, 4)
        XCTAssertEqual(tracker.places.count, 1)
    }

    func testASeededPlacePassedWithoutTheViolationIsCleared() {
        let garbage = kerb(100, leg: 90, from: TestDrive.origin, side: 180)
        var tracker = PatrolTracker()
        tracker.seed(className: "garbage", position: garbage, externalID: "case-9", occurrences: 1)
        let events = drive(laps: 1, violations: [], tracker: &tracker)
        guard events.count == 1, case .cleared(let p, _) = events[0] else { return XCTFail("\(events)") }
        XCTAssertEqual(p.externalID, "case-9")
    }

    func testConfirmationWindow() {
        let s = PatrolRuleSettings.defaults
        XCTAssertEqual(s.minSightings, 2)
        XCTAssertEqual(s.confirmWindow, 50)
        XCTAssertEqual(s.dedupRadius, 15)
        XCTAssertTrue(s.confirms(routeDistances: [0, 50]))
        XCTAssertFalse(s.confirms(routeDistances: [0, 51]))
        XCTAssertFalse(s.confirms(routeDistances: [7]))
        XCTAssertTrue(s.confirms(routeDistances: [5, 5]), "a vehicle stopped at a light still sees it")
        let three = PatrolRuleSettings(minSightings: 3, confirmWindow: 40)
        XCTAssertTrue(three.confirms(routeDistances: [300, 0, 320, 900, 340]))
        XCTAssertFalse(three.confirms(routeDistances: [0, 20, 41]))
    }

    func testAFallbackSightingJoinsANearbyPlaceButNeverStartsOne() {
        var tracker = PatrolTracker()
        let v = TestDrive.origin
        let far = PatrolSighting(className: "garbage", position: v, time: 0, routeDistance: 0, weight: 0.05, uncertainty: 60)
        _ = tracker.frame(time: 0, routeDistance: 0, vehicle: v, heading: 0, camera: nil, sightings: [far])
        XCTAssertTrue(tracker.places.isEmpty)
        let place = Earth.destination(from: v, distance: 40, bearing: 0)
        for (i, d) in [10.0].enumerated() {
            let near = PatrolSighting(className: "garbage", position: place, time: Double(i + 1), routeDistance: d)
            _ = tracker.frame(time: Double(i + 1), routeDistance: d, vehicle: v, heading: 0, camera: nil, sightings: [near])
        }
        var far2 = far
        far2.time = 3; far2.routeDistance = 25
        let events = tracker.frame(time: 3, routeDistance: 25, vehicle: v, heading: 0, camera: nil, sightings: [far2])
        XCTAssertEqual(events.count, 1, "the second sighting, though imprecise, confirms")
        XCTAssertLessThan(Earth.distance(tracker.places[0].centre, place), 2.5, "and barely moves the centre")
    }

    func testWeights() {
        XCTAssertEqual(PatrolSighting.weight(range: 0), 1)
        XCTAssertEqual(PatrolSighting.weight(range: 10), 0.5)
        XCTAssertEqual(PatrolSighting.weight(range: 30), 0.1, accuracy: 1e-12)
        XCTAssertEqual(PatrolSighting.weight(range: nil), 0.05)
    }
}

/// SplitMix64, so jitter is the same on every run.
struct SeededRNG: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
