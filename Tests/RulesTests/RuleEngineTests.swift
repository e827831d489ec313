import XCTest
@testable import Rules

final class RuleEngineTests: XCTestCase {
    func engine(_ rules: CameraRules = CameraRules(timeZone: utc)) -> RuleEngine { RuleEngine(rules: rules) }

    func testStationaryGarbageAlertsOnceAfterDwell() {
        let ev = feed(engine(), samples(from: 0, to: 600) { _ in [garbage()] })
        XCTAssertEqual(ev.violations.count, 1, "a stationary violation never re-alerts")
        XCTAssertEqual(ev.violations[0].violation?.time, 120)
        XCTAssertEqual(ev.violations[0].firstSeen.time, 0)
        XCTAssertEqual(ev.ended.count, 1)
        XCTAssertEqual(ev.ended[0].1, .endOfInput)
        XCTAssertEqual(ev.ended[0].0.lastSeen.time, 598)
        XCTAssertEqual(ev.ended[0].0.sightings, 300)
    }

    func testShortPresenceIsNoViolation() {
        let ev = feed(engine(), samples(from: 0, to: 300) { t in t < 100 ? [garbage()] : [] })
        XCTAssertTrue(ev.violations.isEmpty)
        XCTAssertEqual(ev.started.count, 1)
        XCTAssertEqual(ev.dropped.count, 1)
    }

    func testDefaultDwellPerClass() {
        let seq = samples(from: 0, to: 400) { _ in [
            Observation(className: ViolationClass.streetVending, score: 0.8, box: vendingBox),
            garbage(),
            Observation(className: ViolationClass.illegalAd, score: 0.7, box: adBox),
        ] }
        let v = feed(engine(), seq).violations
        let at: [String: Double] = Dictionary(uniqueKeysWithValues: v.map { ($0.className, $0.violation!.time) })
        XCTAssertEqual(at, ["street_vending": 180, "garbage": 120, "illegal_ad": 60])
    }

    func testMissedSamplesAndOcclusionDoNotSplit() {
        // Every third sample missed, plus a 40 s occlusion by a passing bus.
        let seq = samples(from: 0, to: 600) { t in
            if Int(t / 2) % 3 == 2 { return [] }
            if t >= 300 && t < 340 { return [] }
            return [garbage()]
        }
        let ev = feed(engine(), seq)
        XCTAssertEqual(ev.started.count, 1)
        XCTAssertEqual(ev.violations.count, 1)
        XCTAssertEqual(ev.ended.count, 1)
    }

    func testGapDuringDwellDoesNotRestartIt() {
        let seq = samples(from: 0, to: 300) { t in (t >= 50 && t < 90) ? [] : [garbage()] }
        let v = feed(engine(), seq).violations
        XCTAssertEqual(v.count, 1)
        XCTAssertEqual(v[0].violation?.time, 120)
    }

    func testJitteringBoxStaysOneTrack() {
        let seq = samples(from: 0, to: 400) { t in
            let d = 0.01 * sin(t)
            return [garbage(box: NormalizedBox(x1: 0.40 + d, y1: 0.60 - d, x2: 0.55 + d, y2: 0.80))]
        }
        let ev = feed(engine(), seq)
        XCTAssertEqual(ev.started.count, 1)
        XCTAssertEqual(ev.violations.count, 1)
    }

    /// A stationary pile whose detected box changes size a lot between samples (IoU < 0.3)
    /// but keeps its centre inside the other box stays one track.
    func testBoxThatGrowsAndShrinksStaysOneTrack() {
        let small = NormalizedBox(x1: 0.45, y1: 0.65, x2: 0.52, y2: 0.75)
        let large = NormalizedBox(x1: 0.35, y1: 0.55, x2: 0.65, y2: 0.90)
        XCTAssertLessThan(small.iou(large), 0.3)
        let seq = samples(from: 0, to: 300) { t in [garbage(box: Int(t / 2) % 2 == 0 ? small : large)] }
        let ev = feed(engine(), seq)
        XCTAssertEqual(ev.started.count, 1)
        XCTAssertEqual(ev.violations.count, 1)
    }

    func testDuplicateOverlappingRegionsMakeOneTrack() {
        let seq = samples(from: 0, to: 200) { _ in
            [garbage(0.9), garbage(0.6, box: NormalizedBox(x1: 0.41, y1: 0.61, x2: 0.56, y2: 0.80))]
        }
        XCTAssertEqual(feed(engine(), seq).started.count, 1)
    }

    func testTwoPilesTwoIncidents() {
        let other = NormalizedBox(x1: 0.05, y1: 0.05, x2: 0.15, y2: 0.15)
        let seq = samples(from: 0, to: 200) { _ in [garbage(), garbage(box: other)] }
        XCTAssertEqual(feed(engine(), seq).violations.count, 2)
    }

    /// 5 min of garbage, 5 min clean, the same garbage for 5 more: two incidents at the same
    /// place (the store links them to one case).
    func testFiveCleanFiveRecurrence() {
        let seq = samples(from: 0, to: 900) { t in (t < 300 || t >= 600) ? [garbage()] : [] }
        let ev = feed(engine(), seq)
        XCTAssertEqual(ev.violations.count, 2)
        XCTAssertEqual(ev.ended.map { $0.1 }, [EndReason.cleared, .endOfInput])
        XCTAssertEqual(ev.ended[0].0.lastSeen.time, 298)
        XCTAssertEqual(ev.violations[1].firstSeen.time, 600)
        XCTAssertEqual(ev.violations[1].violation?.time, 720)
        XCTAssertNotEqual(ev.violations[0].trackID, ev.violations[1].trackID)
        XCTAssertGreaterThan(ev.violations[0].violation!.box.iou(ev.violations[1].violation!.box), 0.9)
    }

    func testRegionOutsideZoneOrUnprohibitedClassIgnored() {
        let right = Zone(id: "right-kerb", polygon: Polygon([.init(x: 0.5, y: 0), .init(x: 1, y: 0), .init(x: 1, y: 1), .init(x: 0.5, y: 1)]),
                         prohibited: [ViolationClass.garbage])
        let e = engine(CameraRules(zones: [right], timeZone: utc))
        let seq = samples(from: 0, to: 300) { _ in [
            garbage(box: NormalizedBox(x1: 0.1, y1: 0.6, x2: 0.2, y2: 0.8)),            // left: outside
            Observation(className: ViolationClass.illegalAd, score: 0.9, box: adBox),      // inside, not prohibited
            garbage(box: NormalizedBox(x1: 0.6, y1: 0.6, x2: 0.7, y2: 0.8)),            // counts
        ] }
        let v = feed(e, seq).violations
        XCTAssertEqual(v.count, 1)
        XCTAssertEqual(v[0].zoneID, "right-kerb")
        XCTAssertEqual(v[0].className, "garbage")
    }

    func testMaskHidesPermittedSignboard() {
        let sign = Mask(id: "shop-sign", polygon: Polygon([.init(x: 0.68, y: 0.18), .init(x: 0.82, y: 0.18), .init(x: 0.82, y: 0.37), .init(x: 0.68, y: 0.37)]),
                        classes: [ViolationClass.illegalAd])
        let e = engine(CameraRules(masks: [sign], timeZone: utc))
        let seq = samples(from: 0, to: 200) { _ in [Observation(className: ViolationClass.illegalAd, score: 0.9, box: adBox), garbage()] }
        let v = feed(e, seq).violations
        XCTAssertEqual(v.map(\.className), ["garbage"])
    }

    func testThresholdAndZoneCodeOverride() {
        var rules = CameraRules(zones: [Zone(id: "shopfront", codes: [ViolationClass.garbage: "0199"])], timeZone: utc)
        rules.policies[ViolationClass.garbage] = ClassPolicy(threshold: 0.5, dwell: 30, clear: 20)
        let seq = samples(from: 0, to: 200) { t in [garbage(t < 100 ? 0.4 : 0.6)] }
        let v = feed(engine(rules), seq).violations
        XCTAssertEqual(v.count, 1)
        XCTAssertEqual(v[0].firstSeen.time, 100)
        XCTAssertEqual(v[0].violation?.time, 130)
        XCTAssertEqual(v[0].codeOverride, "0199")
    }

    func testNightMarketAllowsVendingInItsWindow() {
        let market = Zone(id: "night-market", prohibited: [ViolationClass.streetVending],
                          allowances: [Allowance(classes: [ViolationClass.streetVending], windows: [DailyWindow(start: 18 * 60, end: 22 * 60)])])
        let vend = Observation(className: ViolationClass.streetVending, score: 0.9, box: vendingBox)
        let origin = Date(timeIntervalSince1970: 1_767_225_600) // 00:00 UTC
        func window(_ fromMin: Int, _ toMin: Int) -> [Sample] {
            samples(from: Double(fromMin * 60), to: Double(toMin * 60), step: 5, origin: origin) { _ in [vend] }
        }
        // Vending 18:30–19:30: allowed.
        XCTAssertTrue(feed(engine(CameraRules(zones: [market], timeZone: utc)), window(18 * 60 + 30, 19 * 60 + 30)).started.isEmpty)
        // Vending 21:50–22:10: prohibited from 22:00, violation at 22:03.
        let v = feed(engine(CameraRules(zones: [market], timeZone: utc)), window(21 * 60 + 50, 22 * 60 + 10)).violations
        XCTAssertEqual(v.count, 1)
        XCTAssertEqual(v[0].firstSeen.time, Double(22 * 3600))
        XCTAssertEqual(v[0].violation?.time, Double(22 * 3600 + 180))
        // Vending 17:50–18:20: violation at 17:53, then cleared once the market opens.
        let ev = feed(engine(CameraRules(zones: [market], timeZone: utc)), window(17 * 60 + 50, 18 * 60 + 20))
        XCTAssertEqual(ev.violations.count, 1)
        XCTAssertEqual(ev.ended.first?.1, .cleared)
        XCTAssertEqual(ev.ended.first?.0.lastSeen.time, Double(18 * 3600 - 5))
    }

    func testOvernightEnforcementWindow() {
        let zone = Zone(id: "overnight", prohibited: [ViolationClass.garbage], activeWindows: [DailyWindow(start: 22 * 60, end: 6 * 60)])
        let origin = Date(timeIntervalSince1970: 1_767_225_600)
        func at(_ fromMin: Int, _ toMin: Int) -> [Incident] {
            feed(engine(CameraRules(zones: [zone], timeZone: utc)),
                samples(from: Double(fromMin * 60), to: Double(toMin * 60), step: 10, origin: origin) { _ in [garbage()] }).violations
        }
        XCTAssertEqual(at(1 * 60, 1 * 60 + 10).count, 1, "01:00 is inside 22:00–06:00")
        XCTAssertEqual(at(23 * 60, 23 * 60 + 10).count, 1)
        XCTAssertEqual(at(12 * 60, 12 * 60 + 10).count, 0, "noon is outside")
    }

    func testTimeNeverRunsBackwards() {
        let e = engine()
        let base = Date(timeIntervalSince1970: 0)
        _ = e.process(Sample(time: 100, wallClock: base, observations: [garbage()]))
        _ = e.process(Sample(time: 50, wallClock: base, observations: [garbage()]))
        XCTAssertEqual(e.activeTracks.first?.lastSeen.time, 100)
    }
}
