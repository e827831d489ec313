@testable import Pipeline
import Rules
import XCTest

/// The long-GOP warning: with the default times (dwell 60–180 s, clear 60 s) keyframes more
/// than 15 s apart are too few samples; 15 s apart, or a 2 s GOP, are not.
final class KeyframeSpacingTests: XCTestCase {
    func spacing(every gap: Double, until end: Double) -> KeyframeSpacing {
        var s = KeyframeSpacing(rules: CameraRules())
        var t = 0.0
        while t < end {
            s.note(t)
            t += gap
        }
        s.end(at: end)
        return s
    }

    func testTheBoundItselfIsNoWarning() {
        XCTAssertEqual(KeyframeSpacing(rules: CameraRules()).bound, 15)
        // 0.1 s frames summed to 15 s land on 15.000000000000002 or so: still at the bound.
        var s = KeyframeSpacing(rules: CameraRules())
        var t = 0.0
        for _ in 0..<4 {
            s.note(t)
            for _ in 0..<150 { t += 0.1 }
        }
        XCTAssertNil(s.warning(input: "c.mp4"), "keyframes every 15 s")
        XCTAssertNil(spacing(every: 2, until: 120).warning(input: "c.mp4"))
    }

    func testLongerGapsWarnWithTheirLength() throws {
        let w = try XCTUnwrap(spacing(every: 20, until: 120).warning(input: "c.mp4"))
        XCTAssertTrue(w.hasPrefix("c.mp4: keyframes up to 20.0 s apart;"), w)
        XCTAssertTrue(w.hasSuffix("set sampling: {fps: 1} in the config (docs/config.md)"), w)
        XCTAssertNil(spacing(every: 2, until: 2).warning(input: "c.mp4"), "one keyframe in 2 s: no gap")
        XCTAssertNotNil(spacing(every: 100, until: 40).warning(input: "c.mp4"), "one keyframe, then 40 s unseen")
    }
}
