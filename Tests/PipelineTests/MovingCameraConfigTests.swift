import Foundation
import Geo
import XCTest
@testable import Pipeline

final class MovingCameraConfigTests: XCTestCase {
    func testMovingCameraWithMountRulesAndTrack() throws {
        let yaml = """
        version: 1
        cameras:
          - id: car-7
            url: /clips/car7.mp4
            moving: true
            sampling: {fps: 2}
            mount: {height_m: 2.4, pitch_deg: 12, heading_offset_deg: -90, hfov_deg: 70, max_range_m: 25}
            patrol: {dedup_m: 12, min_sightings: 3, window_m: 40, new_pass_m: 150, clear_frames: 3, clear_range_m: 20}
            gps: /tracks/car7.gpx
            gps_offset: -1.5
          - id: gate
            url: rtsp://cam/gate
        """
        let cfg = try StreetWardenConfig.parse(yaml)
        let m = try XCTUnwrap(cfg.cameras[0].moving)
        XCTAssertEqual(m.mount, CameraMount(height: 2.4, pitch: 12, headingOffset: -90, horizontalFOV: 70, maxRange: 25))
        XCTAssertEqual(m.rules, PatrolRuleSettings(dedupRadius: 12, minSightings: 3, confirmWindow: 40, newPassDistance: 150, clearFrames: 3, clearRange: 20))
        XCTAssertEqual(m.gps, "/tracks/car7.gpx")
        XCTAssertEqual(m.gpsOffset, -1.5)
        XCTAssertNil(cfg.cameras[1].moving)
    }

    func testDefaultsAndLiveFeeds() throws {
        let cfg = try StreetWardenConfig.parse("""
        defaults:
          moving: true
          mount: {height_m: 1.9}
        cameras:
          - {id: car-1, url: "udp://127.0.0.1:5000", gps: "udp://127.0.0.1:10110"}
          - {id: car-2, url: /clips/c2.mp4, gps: subtitles, mount: {pitch_deg: 5}}
          - {id: fixed, url: /clips/f.mp4, moving: false}
        """)
        XCTAssertEqual(cfg.cameras[0].moving?.mount.height, 1.9)
        XCTAssertEqual(cfg.cameras[0].moving?.gps, "udp://127.0.0.1:10110")
        XCTAssertEqual(cfg.cameras[1].moving?.mount.pitch, 5)
        XCTAssertEqual(cfg.cameras[1].moving?.mount.height, 1.9, "inherits the defaults' mount")
        XCTAssertNil(cfg.cameras[2].moving)
    }

    func testErrorsNameTheCameraAndTheKey() {
        func error(_ yaml: String) -> String {
            do { _ = try StreetWardenConfig.parse(yaml, file: "c.yaml"); return "no error" } catch { return "\(error)" }
        }
        XCTAssertTrue(error("cameras:\n  - {id: a, url: x, mount: {height_m: 2}}").contains("camera 'a'"))
        XCTAssertTrue(error("cameras:\n  - {id: a, url: x, mount: {height_m: 2}}").contains("'mount' applies to moving cameras only"))
        XCTAssertTrue(error("cameras:\n  - {id: a, url: x, moving: true, mount: {hight_m: 2}}").contains("unknown key 'hight_m'"))
        XCTAssertTrue(error("cameras:\n  - {id: a, url: x, moving: true, mount: {pitch_deg: 120}}").contains("pitch_deg"))
        XCTAssertTrue(error("cameras:\n  - {id: a, url: x, moving: maybe}").contains("moving must be true or false"))
        XCTAssertTrue(error("cameras:\n  - {id: a, url: x, moving: true, gps: 'http://x/y'}").contains("udp://HOST:PORT"))
        XCTAssertTrue(error("cameras:\n  - {id: a, url: x, moving: true, patrol: {min_sightings: 0}}").contains("min_sightings"))
    }
}
