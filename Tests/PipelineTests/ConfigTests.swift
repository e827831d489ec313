import Foundation
import XCTest
import Rules
@testable import Pipeline

final class ConfigTests: XCTestCase {
    func repoFile(_ rel: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(rel).path
    }

    func testExampleConfigLoads() throws {
        let c = try StreetWardenConfig.load(path: repoFile("docs/example-config.yaml"))
        XCTAssertEqual(c.cameras.map(\.id), ["camera-1", "gate-2"])
        XCTAssertEqual(c.metricsPort, 9464)
        let bare = c.cameras[0]
        XCTAssertEqual(bare.url, "rtsp://192.0.2.10:554/stream1")
        XCTAssertEqual(bare.rules.zones, [.wholeFrame])
        XCTAssertEqual(bare.rules.timeZone.identifier, "Asia/Shanghai")
        XCTAssertEqual(bare.rules.policy(for: "illegal_ad").threshold, 0.5)
        let gate = c.cameras[1]
        XCTAssertEqual(gate.sampling, .rate(1))
        XCTAssertEqual(gate.latitude, 31.2304)
        XCTAssertEqual(gate.rules.policy(for: "garbage").dwell, 90)
        XCTAssertEqual(gate.rules.policy(for: "street_vending").dwell, 180)
        XCTAssertEqual(gate.rules.zones.map(\.id), ["sidewalk", "night-market", "wall"])
        XCTAssertEqual(gate.rules.zones[1].allowances.first?.windows, [DailyWindow(start: 1080, end: 1320)])
        XCTAssertTrue(gate.rules.zones[2].activeWindows[0].isOvernight)
        XCTAssertEqual(gate.rules.masks.first?.classes, ["illegal_ad"])
        XCTAssertEqual(c.code(for: "street_vending", override: gate.rules.zones[0].codes["street_vending"]).name, "店外经营")
        XCTAssertEqual(c.code(for: "garbage").code, "0102")
    }

    func testBareURLFile() throws {
        let c = try StreetWardenConfig.parse("rtsp://10.0.0.5/live\n")
        XCTAssertEqual(c.cameras.count, 1)
        XCTAssertEqual(c.cameras[0].url, "rtsp://10.0.0.5/live")
        XCTAssertEqual(c.cameras[0].sampling, .keyframes)
        XCTAssertEqual(c.cameras[0].rules.zones.first?.prohibited, Set(ViolationClass.all))
        XCTAssertEqual(c.cameras[0].rules.policy(for: "garbage").dwell, 120)
    }

    func expectError(_ yaml: String, _ fragments: [String], line: Int = #line) {
        XCTAssertThrowsError(try StreetWardenConfig.parse(yaml, file: "cams.yaml")) { e in
            let msg = "\(e)"
            XCTAssertFalse(msg.contains("\n"), "one line: \(msg)", line: UInt(line))
            for f in fragments { XCTAssertTrue(msg.contains(f), "'\(f)' missing from: \(msg)", line: UInt(line)) }
            // The camera (and zone) are named once, not repeated.
            if let cam = msg.range(of: "camera '") {
                XCTAssertNil(msg[cam.upperBound...].range(of: "camera '"), "context repeated: \(msg)", line: UInt(line))
            }
        }
    }

    func testErrorsNameCameraAndZone() {
        let zoneTypo = """
        cameras:
          - id: gate-2
            url: rtsp://x
            zones:
              - id: kerb
                polgon: [[0,0],[1,0],[1,1]]
        """
        expectError(zoneTypo, ["cams.yaml", "camera 'gate-2', zone 'kerb'", "unknown key 'polgon'", "line 6"])
        expectError("cameras:\n  - id: a\n    url: x\n    zones:\n      - id: z\n        prohibit: [trash]\n",
                    ["camera 'a', zone 'z'", "unknown class 'trash'"])
        expectError("cameras:\n  - id: a\n    url: x\n    zones:\n      - id: z\n        polygon: [[0,0],[1.5,0],[1,1]]\n",
                    ["camera 'a', zone 'z'", "within 0.0…1.0"])
        expectError("cameras:\n  - id: a\n    url: x\n    zones:\n      - id: z\n        polygon: [[0,0],[1,1]]\n",
                    ["camera 'a', zone 'z'", "at least 3 points"])
        expectError("cameras:\n  - id: a\n    url: x\n    zones:\n      - id: z\n        active: {from: '25:00', to: '06:00'}\n",
                    ["camera 'a', zone 'z'", "'from' must be HH:MM"])
        expectError("cameras:\n  - id: a\n    url: x\n    zones:\n      - id: z\n        prohibit: [garbage]\n        allow: {classes: [illegal_ad], from: '18:00', to: '22:00'}\n",
                    ["camera 'a', zone 'z'", "does not prohibit"])
        expectError("cameras:\n  - id: a\n    url: x\n    classes:\n      garbage: {dwel: 10}\n", ["camera 'a', class 'garbage'", "unknown key 'dwel'"])
        expectError("cameras:\n  - id: a\n    url: x\n    timezone: Mars/Olympus\n", ["camera 'a'", "unknown timezone"])
        expectError("cameras:\n  - id: a\n    url: x\n  - id: a\n    url: y\n", ["camera 'a'", "used twice"])
        expectError("cameras:\n  - id: a\n    url: x\n    zones:\n      - id: z\n      - id: z\n", ["camera 'a', zone 'z'", "used twice"])
        expectError("cameras:\n  - url: x\n", ["camera #1", "missing 'id'"])
        expectError("cameras:\n  - id: a\n", ["camera 'a'", "missing 'url'"])
        expectError("cameras:\n  - id: a\n    url: ''\n", ["camera 'a'", "url is empty"])
        expectError("cameras:\n  - id: a\n    url: x\n    zones:\n      - id: z\n        active: {from: '08:00', to: '09:00', days: [mon, funday]}\n",
                    ["camera 'a', zone 'z'", "unknown day 'funday'"])
        expectError("cameras:\n  - id: ../../up\n    url: x\n", ["camera '../../up'", "must not contain '/'"])
        expectError("cameras:\n  - id: '..'\n    url: x\n", ["nor be '.' or '..'"])
        expectError("cameras:\n  - id: '   '\n    url: x\n", ["id is empty"])
        expectError("cameras:\n  - id: \(String(repeating: "路", count: 67))\n    url: x\n", ["id is 201 bytes long; at most 200"])
        expectError("cameras:\n  - id: a\n    url: x\n    zones:\n      - id: z\n        polygon: [[0,0,1],[1,0],[1,1]]\n",
                    ["camera 'a', zone 'z'", "a polygon point is [x, y]"])
        expectError("cameras:\n  - id: a\n    url: x\n    zones:\n      - id: z\n        polygon: [[0,0],[1,1],[1,0.5],[0,1]]\n",
                    ["camera 'a', zone 'z'", "polygon edges cross each other"])
        expectError("evidence: {folder: \"ev\\x1bx\"}\n", ["evidence folder 'ev\\u{1b}x' must not hold control characters"])
        expectError("metrics: {port: 8080.5}\n", ["metrics port must be a whole number"])
        expectError("cameras:\n  - id: null\n    url: x\n", ["id is empty"])
        expectError("evidence: {folder: ~}\n", ["evidence folder is empty"])
        expectError("evidence: {folder: \"a\\u2028b\"}\n", ["must not hold control characters"])
        expectError("cameras:\n  - id: a\n    url: x\n    name: " + String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000) + "\n",
                    ["(line 4): nested more than 64 levels deep"])
        expectError("cameras:\n  - id: ~\n    url: x\n", ["id is empty"])
        expectError("camras: []\n", ["unknown key 'camras'"])
        expectError("cameras: [\n", ["not valid YAML"])
        expectError("cameras:\n  - id: a\n    url: x\n    sampling: sometimes\n", ["camera 'a'", "sampling must be"])
        expectError("evidence: {folder: ../elsewhere}\n", ["evidence folder"])
        expectError("", ["empty"])
        expectError("cameras:\n  - id: a\n    url: x\n    options: {transport: pigeon}\n", ["camera 'a'", "transport"])
        expectError("cameras:\n  - id: a\n    url: x\n    options: {start: \"2026-02-30T08:00:00Z\"}\n",
                    ["camera 'a': option start=2026-02-30T08:00:00Z: start is an ISO 8601 time"])
        expectError("cameras:\n  - id: a\n    url: x\n    options: {start: [2026]}\n",
                    ["camera 'a': option start: the value is one text or number, not a list or mapping"])
        // Audit pass 7: clear times samples cannot honour, and what was accepted without a word.
        expectError("defaults:\n  sampling: {fps: 1}\n  classes:\n    garbage: {dwell: 0, clear: 0.5}\n",
                    ["defaults: class 'garbage': clear 0.5 s must be longer than the 1 s between samples (sampling fps 1)"])
        expectError("cameras:\n  - id: a\n    url: x\n    sampling: {fps: 0.01}\n",
                    ["camera 'a': class 'street_vending': clear 60 s must be longer than the 100 s between samples"])
        expectError("cameras:\n  - id: a\n    url: x\n    classes:\n      garbage: {clear: 0}\n",
                    ["camera 'a', class 'garbage'", "clear must be more than 0 s"])
        expectError("cameras:\n  - ''\n", ["camera #1: url is empty"])
        expectError("cameras:\n  - id: a\n    url: x\n  - id: b\n    url: x\n", ["camera 'b': url x is already the url of 'a'"])
        expectError("cameras:\n  - x\n  - x\n", ["camera 'camera-2': url x is already the url of 'camera-1'"])
        expectError("cameras:\n  - g.mp4\n  - ./sub/../g.mp4\n", ["camera 'camera-2': url ./sub/../g.mp4 is already the url of 'camera-1'"])
        expectError("cameras:\n  - g.mp4\n  - \(FileManager.default.currentDirectoryPath)/g.mp4\n", ["is already the url of 'camera-1'"])
        expectError("evidence: {folder: \"a//b\"}\n", ["evidence folder 'a//b' must not hold", "blank or '.' parts"])
        expectError("cameras:\n  - id: a\n    url: x\n    masks:\n      - {id: m, polygon: [[0,0],[1,0],[1,1]]}\n      - {id: m, polygon: [[0,0],[1,0],[0,1]]}\n",
                    ["camera 'a', mask 'm'", "id used twice"])
        expectError("codes:\n  garbage: \"０１０２\"\n", ["codes: garbage", "code must be 2 to 12 digits 0-9, not '０１０２'"])
        expectError("codes:\n  garbage: {code: \"1234567890123\"}\n", ["code must be 2 to 12 digits 0-9"])
        expectError("cameras:\n  - id: a\n    url: x\n    zones:\n      - id: z\n        codes: {garbage: \"01½\"}\n",
                    ["camera 'a', zone 'z'", "code for garbage must be 2 to 12 digits 0-9, not '01½'"])
        XCTAssertEqual(try StreetWardenConfig.parse("codes:\n  garbage: \"010201\"\n").codes["garbage"]?.code, "010201")
        XCTAssertEqual(try StreetWardenConfig.parse("evidence: {folder: proofs/}\n").evidenceFolder, "proofs/")
        XCTAssertNoThrow(try StreetWardenConfig.parse("defaults:\n  sampling: {fps: 0.5}\n  classes:\n    garbage: {clear: 2.5}\n"
                                                      + "    street_vending: {clear: 3}\n    illegal_ad: {clear: 3}\n"))
    }

    /// A zone written as a closed ring (last point = first), or with a point given twice in a
    /// row, is the polygon it outlines.
    func testClosedRingAndRepeatedPoints() throws {
        let c = try StreetWardenConfig.parse("cameras:\n  - id: a\n    url: x\n    zones:\n      - id: z\n        polygon: [[0,0],[1,0],[1,0],[1,1],[0,1],[0,0]]\n", file: "cams.yaml")
        XCTAssertEqual(c.cameras[0].rules.zones[0].polygon.points.count, 4)
    }

    func testTilesKey() throws {
        let c = try StreetWardenConfig.parse("defaults:\n  tiles: 2\ncameras:\n  - id: a\n    url: x\n    tiles: 3\n  - id: b\n    url: y\n")
        XCTAssertEqual(c.defaults.tiles, 2)
        XCTAssertEqual(c.cameras.map(\.tiles), [3, 2], "a camera without 'tiles' takes the defaults'")
        XCTAssertEqual(try StreetWardenConfig.parse("rtsp://10.0.0.5/live\n").cameras[0].tiles, 1)
        expectError("cameras:\n  - id: a\n    url: x\n    tiles: 0\n", ["camera 'a'", "tiles"])
        expectError("cameras:\n  - id: a\n    url: x\n    tiles: 1.5\n", ["camera 'a'", "tiles must be a whole number"])
        expectError("cameras:\n  - id: a\n    url: x\n    tiles: many\n", ["camera 'a'", "tiles"])
    }

    func testMissingFileNamesIt() {
        XCTAssertThrowsError(try StreetWardenConfig.load(path: "/nonexistent/cams.yaml")) { e in
            XCTAssertTrue("\(e)".contains("/nonexistent/cams.yaml"))
        }
    }

    func testCameraForClip() throws {
        let c = try StreetWardenConfig.parse("cameras:\n  - id: a\n    url: market.mp4\n  - id: b\n    url: /data/gate.mp4\n")
        XCTAssertEqual(c.camera(forClip: "/tmp/x/market.mp4")?.id, "a")
        let o = try StreetWardenConfig.parse("cameras:\n  - id: a\n    url: rtsp://x\n    options: {transport: tcp, buffer_size: 4194304, probesize: 100000}\n")
        XCTAssertEqual(o.cameras[0].options.bufferSize, 4194304)
        XCTAssertEqual(o.cameras[0].options.extra["probesize"], "100000")
        XCTAssertEqual(c.camera(forClip: "/data/./gate.mp4")?.id, "b")
        XCTAssertNil(c.camera(forClip: "other.mp4"))
    }
}
