import Foundation
import XCTest
@testable import Pipeline

final class MetricsTests: XCTestCase {
    func testServesPrometheusText() throws {
        let m = Metrics()
        m.update("gate-2") { $0.samples = 7; $0.reconnects = 1; $0.inferenceSeconds = 0.25; $0.connected = true }
        let server = try MetricsServer(port: 0, metrics: m)
        server.start()
        defer { server.stop() }
        XCTAssertGreaterThan(server.port, 0)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", "import urllib.request,sys; sys.stdout.write(urllib.request.urlopen('http://127.0.0.1:\(server.port)/metrics', timeout=5).read().decode())"]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertTrue(text.contains("streetwarden_samples_total{camera=\"gate-2\"} 7"), text)
        XCTAssertTrue(text.contains("streetwarden_reconnects_total{camera=\"gate-2\"} 1"))
        XCTAssertTrue(text.contains("# TYPE streetwarden_inference_seconds_total counter"))
        XCTAssertTrue(text.contains("streetwarden_connected{camera=\"gate-2\"} 1"))
    }

    func testBusyPortIsAnError() throws {
        let m = Metrics()
        let a = try MetricsServer(port: 0, metrics: m)
        defer { a.stop() }
        XCTAssertThrowsError(try MetricsServer(port: a.port, metrics: m)) { e in
            XCTAssertTrue("\(e)".contains("127.0.0.1:\(a.port)"))
        }
    }
}
