import XCTest
@testable import Geo

final class CoordinateTests: XCTestCase {
    func testOneDegreeOfLatitudeIsAbout111Kilometres() {
        let d = Earth.distance(Coordinate(latitude: 0, longitude: 0), Coordinate(latitude: 1, longitude: 0))
        XCTAssertEqual(d, 111_195, accuracy: 5)
        let e = Earth.distance(Coordinate(latitude: 60, longitude: 10), Coordinate(latitude: 60, longitude: 11))
        XCTAssertEqual(e, 55_597, accuracy: 50)  // cos 60° of the equator's degree
    }

    func testDistanceIsSymmetricAndZeroForSamePoint() {
        let a = TestDrive.origin, b = Coordinate(latitude: 22.55, longitude: 114.06)
        XCTAssertEqual(Earth.distance(a, b), Earth.distance(b, a), accuracy: 1e-6)
        XCTAssertEqual(Earth.distance(a, a), 0)
    }

    func testBearingCardinals() {
        let o = TestDrive.origin
        for h in [0.0, 45, 90, 180, 270, 359] {
            let p = Earth.destination(from: o, distance: 100, bearing: h)
            XCTAssertEqual(Angle.difference(Earth.bearing(from: o, to: p), h), 0, accuracy: 0.01, "bearing \(h)")
            XCTAssertEqual(Earth.distance(o, p), 100, accuracy: 0.01)
        }
    }

    func testDestinationAcrossTheAntimeridian() {
        let p = Earth.destination(from: Coordinate(latitude: 0, longitude: 179.9995), distance: 200, bearing: 90)
        XCTAssertLessThan(p.longitude, -179)
        XCTAssertEqual(Earth.distance(Coordinate(latitude: 0, longitude: 179.9995), p), 200, accuracy: 0.01)
    }

    func testAngles() {
        XCTAssertEqual(Angle.normalized(-10), 350)
        XCTAssertEqual(Angle.normalized(720), 0)
        XCTAssertEqual(Angle.difference(350, 10), 20)
        XCTAssertEqual(Angle.difference(10, 350), -20)
        XCTAssertEqual(Angle.interpolate(350, 10, 0.5), 0, accuracy: 1e-9)
        XCTAssertEqual(Angle.interpolate(350, 10, 0.25), 355, accuracy: 1e-9)
    }

    func testLocalFrameRoundTripAndAgreementWithGreatCircle() {
        let f = LocalFrame(origin: TestDrive.origin)
        let p = Earth.destination(from: TestDrive.origin, distance: 1500, bearing: 60)
        let (e, n) = f.project(p)
        XCTAssertEqual((e * e + n * n).squareRoot(), 1500, accuracy: 1.5)  // < 0.1 %
        let back = f.unproject(east: e, north: n)
        XCTAssertEqual(Earth.distance(back, p), 0, accuracy: 1e-6)
    }

    func testValidity() {
        XCTAssertTrue(TestDrive.origin.isValid)
        XCTAssertFalse(Coordinate(latitude: 91, longitude: 0).isValid)
        XCTAssertFalse(Coordinate(latitude: .nan, longitude: 0).isValid)
    }
}
