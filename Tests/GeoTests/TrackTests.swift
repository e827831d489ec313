import XCTest
@testable import Geo

final class TrackTests: XCTestCase {
    private func fix(_ t: Double, _ lat: Double, _ lon: Double, heading: Double? = nil, speed: Double? = nil) -> TrackPoint {
        TrackPoint(time: t, coordinate: Coordinate(latitude: lat, longitude: lon), heading: heading, speed: speed)
    }
    private let src = TrackSource(format: .csv, name: "t.csv")

    func testInterpolatesPositionLinearlyAndDistanceAlongRoute() {
        let drive = TestDrive(legs: [.init(heading: 90, metres: 80)], speed: 8)
        let track = drive.track()
        let s = track.lookup(TestDrive.t0 + 2.5).sample!
        XCTAssertEqual(Earth.distance(TestDrive.origin, s.coordinate), 20, accuracy: 0.01)
        XCTAssertEqual(s.distanceAlongRoute, 20, accuracy: 0.01)
        XCTAssertEqual(s.heading!, 90, accuracy: 1e-6)
        XCTAssertEqual(s.headingSource, .course)
        XCTAssertEqual(s.speed!, 8, accuracy: 1e-9)
        XCTAssertEqual(track.length, 80, accuracy: 0.01)
        // Exactly on the first and last fix.
        XCTAssertNotNil(track.lookup(TestDrive.t0).sample)
        XCTAssertEqual(track.lookup(TestDrive.t0 + 10).sample!.distanceAlongRoute, 80, accuracy: 0.01)
    }

    func testOutsideTheTrackIsReportedNotGuessed() {
        let track = TestDrive(legs: [.init(heading: 90, metres: 80)]).track()
        XCTAssertEqual(track.lookup(TestDrive.t0 - 3), .beforeStart(seconds: 3))
        XCTAssertEqual(track.lookup(TestDrive.t0 + 12), .afterEnd(seconds: 2))
        XCTAssertTrue(track.lookup(TestDrive.t0 + 12).explanation.contains("after the track ends"))
        XCTAssertEqual(GPSTrack(timeReference: .wallClock, source: src).lookup(0), .noFixes)
    }

    func testGapsAreReportedAndWarned() {
        let track = GPSTrack(points: [fix(0, 22.5, 114), fix(1, 22.5001, 114), fix(21, 22.502, 114), fix(22, 22.5021, 114)],
                          timeReference: .clipTime, source: src)
        XCTAssertEqual(track.lookup(10), .inGap(from: 1, to: 21))
        XCTAssertNotNil(track.lookup(1).sample)
        XCTAssertNotNil(track.lookup(21.5).sample)
        XCTAssertEqual(track.gaps.count, 1)
        XCTAssertTrue(track.warnings.contains { $0.message.contains("gap of 20.0 s") })
        var wide = track
        wide.maxGap = 30
        XCTAssertNotNil(wide.lookup(10).sample)
    }

    func testCourseInterpolatesAcrossNorth() {
        let track = GPSTrack(points: [fix(0, 22.5, 114, heading: 350, speed: 5), fix(1, 22.50004, 114.00001, heading: 10, speed: 5)],
                          timeReference: .clipTime, source: src)
        XCTAssertEqual(track.lookup(0.5).sample!.heading!, 0, accuracy: 1e-9)
    }

    func testMotionHeadingWithoutCourseAndCarriedOverAStop() {
        let a = Coordinate(latitude: 22.5, longitude: 114)
        let b = Earth.destination(from: a, distance: 10, bearing: 135)
        let track = GPSTrack(points: [TrackPoint(time: 0, coordinate: a), TrackPoint(time: 1, coordinate: b),
                                   TrackPoint(time: 2, coordinate: b), TrackPoint(time: 3, coordinate: b)],
                          timeReference: .clipTime, source: src)
        let moving = track.lookup(0.5).sample!
        XCTAssertEqual(moving.heading!, 135, accuracy: 0.01)
        XCTAssertEqual(moving.headingSource, .motion)
        let stopped = track.lookup(2.5).sample!
        XCTAssertEqual(stopped.heading!, 135, accuracy: 0.01)
        XCTAssertEqual(stopped.headingSource, .carried)
        XCTAssertEqual(stopped.speed!, 0, accuracy: 1e-9)
    }

    func testNoHeadingBeforeTheVehicleMoves() {
        let a = Coordinate(latitude: 22.5, longitude: 114)
        let track = GPSTrack(points: [TrackPoint(time: 0, coordinate: a), TrackPoint(time: 1, coordinate: a)],
                          timeReference: .clipTime, source: src)
        XCTAssertNil(track.lookup(0.5).sample!.heading)
    }

    func testSlowCourseIsIgnoredInFavourOfMotion() {
        // A receiver standing still reports a random course; at 0.2 m/s it must not be used.
        let a = Coordinate(latitude: 22.5, longitude: 114)
        let b = Earth.destination(from: a, distance: 5, bearing: 0)
        let track = GPSTrack(points: [TrackPoint(time: 0, coordinate: a, heading: 200, speed: 0.2),
                                   TrackPoint(time: 25, coordinate: b, heading: 240, speed: 0.2)],
                          timeReference: .clipTime, source: src, maxGap: 30)
        XCTAssertEqual(track.lookup(10).sample!.heading!, 0, accuracy: 0.01)
    }

    func testNonMonotonicAndInvalidFixesAreDroppedWithWarnings() {
        var pts = [fix(0, 22.5, 114), fix(1, 22.5001, 114), fix(0.5, 22.50005, 114), fix(1, 22.5002, 114),
                   fix(2, 95, 114), fix(3, 22.5003, 114)]
        pts[2].line = 3
        let track = GPSTrack(points: pts, timeReference: .clipTime, source: src)
        XCTAssertEqual(track.points.map(\.time), [0, 1, 3])
        XCTAssertEqual(track.warnings.count, 3)
        XCTAssertEqual(track.warnings[0].line, 3)
        XCTAssertTrue(track.warnings[0].message.contains("goes back 0.500 s"), track.warnings[0].message)
        XCTAssertTrue(track.warnings[1].message.contains("repeats the time"))
        XCTAssertTrue(track.warnings[2].message.contains("out of range"))
    }

    func testShiftedMovesTimesAndRecordsTheOffset() {
        let track = TestDrive(legs: [.init(heading: 0, metres: 40)]).track()
        let shifted = track.shifted(by: 2.5)
        XCTAssertEqual(shifted.startTime!, track.startTime! + 2.5)
        XCTAssertEqual(shifted.source.timeOffset, 2.5)
        XCTAssertEqual(shifted.source.description, "csv:test@+2.500s")
        XCTAssertEqual(shifted.lookup(TestDrive.t0 + 2.5).sample!.coordinate, track.lookup(TestDrive.t0).sample!.coordinate)
    }

    func testFrameLookupUsesTheTracksTimeReference() {
        let drive = TestDrive(legs: [.init(heading: 90, metres: 40)])
        let wall = drive.track(.wallClock)
        let clip = GPSTrack(points: drive.clipRelative, timeReference: .clipTime, source: src)
        let date = Date(timeIntervalSince1970: TestDrive.t0 + 2)
        XCTAssertEqual(wall.lookup(pts: 99, wallClock: date).sample!.coordinate, clip.lookup(pts: 2, wallClock: .distantPast).sample!.coordinate)
    }

    func testWarningsAreCapped() {
        var track = GPSTrack(timeReference: .clipTime, source: src)
        for i in 0..<500 { track.append(fix(Double(-i), 22.5, 114)) }
        XCTAssertEqual(track.warnings.count, 201)
        XCTAssertEqual(track.warnings.last!.message, "further warnings suppressed")
    }
}
