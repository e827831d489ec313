import CaseStore
import Foundation
import XCTest

/// `watch` on a live stream that ffmpeg publishes over TCP on loopback: detection, a
/// reconnect when the publisher goes away and comes back, metrics, and a clean stop on SIGTERM.
final class WatchCommandTests: XCTestCase {
    func publish(_ clip: URL, port: Int) throws {
        // The watcher listens; retry until it accepts.
        for _ in 0..<50 {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/ffmpeg")
            p.arguments = ["-v", "error", "-re", "-i", clip.path, "-c", "copy", "-f", "mpegts", "tcp://127.0.0.1:\(port)"]
            p.standardError = FileHandle.nullDevice
            try p.run(); p.waitUntilExit()
            if p.terminationStatus == 0 { return }
            usleep(200_000)
        }
        XCTFail("could not publish to port \(port)")
    }

    func fetchMetrics(port: Int) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", "import urllib.request,sys; sys.stdout.write(urllib.request.urlopen('http://127.0.0.1:\(port)/metrics', timeout=5).read().decode())"]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return text
    }

    /// A local file as a camera is a recording: read once through (its end ends that camera,
    /// with a line saying so), and a cut one fails at the cut as in `analyze`, instead of being
    /// replayed up to the same cut for ever.
    func testLocalFilesAreReadOnce() throws {
        let dir = try temporaryFolder(self)
        let whole = dir.appendingPathComponent("whole.mp4"), cut = dir.appendingPathComponent("cut.mp4")
        try Fixtures.clip(whole, seconds: 20, patches: [], extra: ["-movflags", "+faststart"])
        var bytes = try Data(contentsOf: whole)
        bytes.removeLast(bytes.count / 2)
        try bytes.write(to: cut)
        let model = try Fixtures.colourProbeModel(in: dir)
        let config = dir.appendingPathComponent("cams.yaml")
        try "cameras:\n  - id: whole-cam\n    url: \(whole.path)\n  - id: cut-cam\n    url: \(cut.path)\n"
            .write(to: config, atomically: true, encoding: .utf8)
        let r = try CLI.run(["watch", "--config", config.path, "--db", dir.appendingPathComponent("w.sqlite").path, "--model", model],
                            prefix: ["/usr/bin/timeout", "60"])
        XCTAssertEqual(r.status, 1, "the cut camera failed (124: still running after 60 s): \(r.stderr)")
        XCTAssertTrue(r.stderr.contains("camera whole-cam: end of \(whole.path) (a local file is read once)"), r.stderr)
        XCTAssertTrue(r.stderr.contains("camera cut-cam: truncated input \(cut.path)"), r.stderr)
        XCTAssertFalse(r.stderr.contains("retrying"), r.stderr)
    }

    func testLiveStreamReconnectMetricsAndCleanStop() throws {
        let dir = try temporaryFolder(self)
        let model = try Fixtures.colourProbeModel(in: dir)
        let clip = dir.appendingPathComponent("live.ts")
        try Fixtures.clip(clip, seconds: 8, rate: 5, patches: [.init(color: "red", x: 140, y: 110, size: 40, ranges: [(0, 8)])],
                          extra: ["-g", "5", "-f", "mpegts"])
        let port = 20000 + Int(getpid() % 20000), metricsPort = port + 1
        let cfg = dir.appendingPathComponent("live.yaml")
        try """
        metrics: { port: \(metricsPort) }
        cameras:
          - id: kerb-cam
            url: tcp://127.0.0.1:\(port)?listen=1
            options: { open_timeout: 30, read_timeout: 3 }
            classes:
              garbage: { dwell: 3, clear: 10 }
        """.write(to: cfg, atomically: true, encoding: .utf8)
        let db = dir.appendingPathComponent("live.sqlite").path
        let watch = Process()
        watch.executableURL = URL(fileURLWithPath: CLI.binary)
        watch.arguments = ["watch", "--config", cfg.path, "--db", db, "--model", model]
        let out = Pipe(), err = Pipe()
        watch.standardOutput = out; watch.standardError = err
        try watch.run()
        defer { if watch.isRunning { kill(watch.processIdentifier, SIGKILL) } }

        try publish(clip, port: port)
        try publish(clip, port: port)   // the watcher reconnected and listens again
        let metrics = try fetchMetrics(port: metricsPort)
        kill(watch.processIdentifier, SIGTERM)
        let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        watch.waitUntilExit()

        XCTAssertEqual(watch.terminationStatus, 0, stderr)
        XCTAssertTrue(stdout.hasPrefix("stopped:"), stdout)
        XCTAssertTrue(stderr.contains("signal 15: stopping 1 stream(s)"), stderr)
        XCTAssertTrue(metrics.contains("streetwarden_samples_total{camera=\"kerb-cam\"}"), metrics)
        let reconnects = metrics.split(separator: "\n").first { $0.hasPrefix("streetwarden_reconnects_total{camera=\"kerb-cam\"}") }
        XCTAssertNotNil(reconnects)
        XCTAssertGreaterThanOrEqual(Int(reconnects?.split(separator: " ").last ?? "0") ?? 0, 1, metrics)

        let store = try CaseStore(path: db)
        let cases = try store.cases()
        XCTAssertEqual(cases.count, 1)
        XCTAssertEqual(cases.first?.category, "garbage")
        XCTAssertEqual(cases.first?.occurrences, 1, "the reconnect gap is shorter than the clear time: one incident")
        XCTAssertEqual(cases.first?.source, "kerb-cam")
        XCTAssertEqual(try store.runs().map(\.status), ["stopped"], "the run was closed on SIGTERM")
        XCTAssertGreaterThanOrEqual(try store.runs().first?.samples ?? 0, 12)
        let event = try XCTUnwrap(try store.events().first)
        XCTAssertGreaterThan(event.lastSeen.date.timeIntervalSince(event.firstSeen.date), 10, "last sighting flushed at stop")
        XCTAssertEqual(try store.check(), [])
    }
}
