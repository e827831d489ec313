import XCTest
@testable import Geo

final class RouteTests: XCTestCase {
    /// 8 m south of the middle of the block's east-bound leg (the right-hand kerb).
    let place = Earth.destination(from: Earth.destination(from: TestDrive.origin, distance: 100, bearing: 90), distance: 8, bearing: 180)

    func testTwoLapsPassThePlaceTwice() {
        let route = Route(track: TestDrive.block(laps: 2).track())
        let passes = route.passes(near: place, within: 15)
        XCTAssertEqual(passes.count, 2)
        XCTAssertEqual(passes[0].closestDistance, 8, accuracy: 0.05)
        XCTAssertEqual(passes[0].distanceAlongRoute, 100, accuracy: 0.5)
        XCTAssertEqual(passes[1].distanceAlongRoute, 740, accuracy: 0.5)
        XCTAssertEqual(passes[0].closestTime - TestDrive.t0, 12.5, accuracy: 0.1)
        // Entering and leaving 15 m: ±√(15²−8²) = ±12.69 m at 8 m/s.
        XCTAssertEqual(passes[0].exit - passes[0].entry, 2 * 12.69 / 8, accuracy: 0.01)
        XCTAssertTrue(route.wasPassedAgain(place, after: passes[0].exit, within: 15))
        XCTAssertFalse(route.wasPassedAgain(place, after: passes[1].exit, within: 15))
        XCTAssertEqual(route.passes(near: place, within: 15, after: passes[0].exit).count, 1)
        XCTAssertTrue(route.passes(near: place, within: 5).isEmpty)
    }

    func testAGapInTheTrackIsNotAPass() {
        let drive = TestDrive.block(laps: 2)
        // Drop the fixes of the second lap's east-bound leg (receiver lost its fix).
        let lap2East = drive.points.filter { $0.time - TestDrive.t0 > 80 && $0.time - TestDrive.t0 < 105 }
        let pts = drive.points.filter { !lap2East.contains($0) }
        let route = Route(track: GPSTrack(points: pts, timeReference: .wallClock, source: TrackSource(format: .gpx, name: "g")))
        XCTAssertEqual(route.passes(near: place, within: 15).count, 1)
    }

    func testVisibleIntervalsDependOnWhereTheCameraLooks() {
        let route = Route(track: TestDrive.block(laps: 2).track())
        let front = CameraMount(height: 2, pitch: 10, headingOffset: 0, horizontalFOV: 90)
        let frontSeen = route.visibleIntervals(of: place, camera: front)
        XCTAssertEqual(frontSeen.count, 2)
        // Seen while approaching: from ~29 m ahead until 8 m ahead (the 45° edge of the view).
        let vehicleAtLastSight = route.track.lookup(frontSeen[0].upperBound).sample!
        XCTAssertEqual(Earth.distance(vehicleAtLastSight.coordinate, place), 8 * 2.0.squareRoot(), accuracy: 2.1)  // 0.25 s steps at 8 m/s
        XCTAssertLessThan(frontSeen[0].upperBound, route.passes(near: place, within: 15)[0].closestTime)

        let left = CameraMount(height: 2, pitch: 10, headingOffset: -90, horizontalFOV: 60)
        XCTAssertTrue(route.visibleIntervals(of: place, camera: left).isEmpty, "the place is on the right")
        let right = CameraMount(height: 2.5, pitch: 15, headingOffset: 90, horizontalFOV: 60)
        let rightSeen = route.visibleIntervals(of: place, camera: right)
        XCTAssertEqual(rightSeen.count, 2)
        let closest = route.passes(near: place, within: 15)[0].closestTime
        XCTAssertTrue(rightSeen[0].contains(closest))
    }
}
