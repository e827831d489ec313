import XCTest
@testable import Geo

final class CameraMountTests: XCTestCase {
    let mount = CameraMount(height: 2, pitch: 10, headingOffset: 0, horizontalFOV: 90, aspectRatio: 16.0 / 9.0)

    func testImageCentreHitsTheGroundWhereThePitchSays() {
        let (f, r) = mount.groundOffset(x: 0.5, y: 0.5)!
        XCTAssertEqual(f, 2 / tan(10 * Double.pi / 180), accuracy: 1e-9)
        XCTAssertEqual(r, 0, accuracy: 1e-12)
        XCTAssertEqual(mount.verticalFOV, 2 * atan(tan(45 * Double.pi / 180) * 9 / 16) * 180 / .pi, accuracy: 1e-9)
    }

    func testGroundToImageToGroundRoundTrip() {
        for f in stride(from: 4.0, through: 30, by: 2.5) {
            for r in stride(from: -3.0, through: 3, by: 1.5) {
                guard let (x, y) = mount.imagePoint(forward: f, right: r) else { continue }
                let (f2, r2) = mount.groundOffset(x: x, y: y)!
                XCTAssertEqual(f2, f, accuracy: 1e-6)
                XCTAssertEqual(r2, r, accuracy: 1e-6)
            }
        }
        XCTAssertNil(mount.imagePoint(forward: -5, right: 0), "behind the camera")
        XCTAssertNil(mount.imagePoint(forward: 10, right: 30), "outside the field of view")
    }

    func testGroundPositionUsesVehicleHeadingAndMountOffset() {
        let v = TestDrive.origin
        let ahead = mount.groundPosition(bottomCentre: (0.5, 0.5), vehicle: v, heading: 90)
        XCTAssertTrue(ahead.isProjected)
        XCTAssertEqual(ahead.bearing!, 90, accuracy: 1e-9)
        XCTAssertEqual(Earth.distance(v, ahead.coordinate), 11.343, accuracy: 0.01)
        XCTAssertEqual(Earth.bearing(from: v, to: ahead.coordinate), 90, accuracy: 0.01)

        var side = mount
        side.headingOffset = 90  // looking out of the right-hand side
        let right = side.groundPosition(bottomCentre: (0.5, 0.5), vehicle: v, heading: 0)
        XCTAssertEqual(Earth.bearing(from: v, to: right.coordinate), 90, accuracy: 0.01)

        // A box in the right half of the image lies to the right of the optical axis.
        let offAxis = mount.groundPosition(bottomCentre: (0.8, 0.6), vehicle: v, heading: 0)
        XCTAssertGreaterThan(offAxis.bearing!, 0)
        XCTAssertLessThan(offAxis.bearing!, 45)
    }

    func testFallsBackToTheVehiclePosition() {
        let v = TestDrive.origin
        XCTAssertEqual(mount.groundPosition(bottomCentre: (0.5, 0.5), vehicle: v, heading: nil).method, .vehiclePosition(.noHeading))
        XCTAssertEqual(mount.groundPosition(bottomCentre: (0.5, 0.05), vehicle: v, heading: 0).method, .vehiclePosition(.aboveHorizon))
        // Just below the horizon: hundreds of metres away, beyond the trusted range.
        let horizonY = 0.5 - tan(10 * Double.pi / 180) / tan(mount.verticalFOV * Double.pi / 360) / 2
        let far = mount.groundPosition(bottomCentre: (0.5, horizonY + 0.002), vehicle: v, heading: 0)
        guard case .vehiclePosition(.beyondRange(let r)) = far.method else { return XCTFail("\(far.method)") }
        XCTAssertGreaterThan(r, 30)
        XCTAssertEqual(far.coordinate, v)
    }

    func testSees() {
        let v = TestDrive.origin
        let ahead = Earth.destination(from: v, distance: 15, bearing: 0)
        XCTAssertTrue(mount.sees(ahead, from: v, heading: 0))
        XCTAssertFalse(mount.sees(ahead, from: v, heading: 180), "behind")
        XCTAssertFalse(mount.sees(ahead, from: v, heading: 90), "beside, outside a 90° view")
        XCTAssertFalse(mount.sees(Earth.destination(from: v, distance: 60, bearing: 0), from: v, heading: 0), "beyond range")
        XCTAssertFalse(mount.sees(Earth.destination(from: v, distance: 1.5, bearing: 0), from: v, heading: 0), "below the image")
    }

    func testRangeErrorMatchesProjectionWithAWrongPitch() {
        // The camera truly looks 1° further down than the config says.
        var truth = mount
        truth.pitch = 11
        for d in [10.0, 20, 30] {
            let (x, y) = truth.imagePoint(forward: d, right: 0)!
            let estimated = mount.groundOffset(x: x, y: y)!.forward
            XCTAssertEqual(estimated - d, mount.rangeError(atRange: d, pitchError: 1), accuracy: 1e-6)
        }
        // The figures docs/patrol.md quotes (2 m mount, 1° pitch error).
        XCTAssertEqual(mount.rangeError(atRange: 10, pitchError: 1), 0.99, accuracy: 0.01)
        XCTAssertEqual(mount.rangeError(atRange: 20, pitchError: 1), 4.28, accuracy: 0.01)
        XCTAssertEqual(mount.rangeError(atRange: 30, pitchError: 1), 10.7, accuracy: 0.05)
        XCTAssertEqual(mount.rangeError(atRange: 20, pitchError: -1), -3.0, accuracy: 0.05)
    }

    func testProblems() {
        XCTAssertTrue(mount.problems.isEmpty)
        XCTAssertEqual(CameraMount(height: -1, pitch: 95, horizontalFOV: 200).problems.count, 3)
    }
}
