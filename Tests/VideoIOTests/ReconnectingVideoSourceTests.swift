import Foundation
import XCTest
@testable import VideoIO

/// A publisher that dies and comes back; stopping cleanly; the backoff schedule.
final class ReconnectingVideoSourceTests: XCTestCase {
    final class Log: @unchecked Sendable {
        private let lock = NSLock()
        private var lines: [String] = []
        func add(_ s: String) { lock.lock(); lines.append(s); lock.unlock() }
        var all: [String] { lock.lock(); defer { lock.unlock() }; return lines }
    }

    private var quick: ReconnectPolicy { ReconnectPolicy(initialDelay: 0.2, maxDelay: 1, multiplier: 2, jitter: 0.25) }

    func testPublisherDiesAndComesBack() throws {
        let port = Fixtures.freePort()
        let url = "tcp://127.0.0.1:\(port)?listen=1"
        var publisher = try Background.publisher(format: "mpegts", url: url)
        defer { publisher.stop() }
        var options = VideoSourceOptions()
        options.openTimeout = 5
        options.readTimeout = 3
        let log = Log()
        let source = ReconnectingVideoSource(url: "tcp://127.0.0.1:\(port)", options: options, policy: .everyFrame,
                                             reconnect: quick, log: { log.add($0) })
        var before = 0
        while before < 20, try source.nextFrame() != nil { before += 1 }
        XCTAssertEqual(before, 20)
        XCTAssertEqual(source.connections, 1)

        publisher.stop()
        publisher = try Background.publisher(format: "mpegts", url: url, delay: 1.5)
        var after = 0
        while after < 60, try source.nextFrame() != nil { after += 1 }
        XCTAssertEqual(after, 60, "frames keep coming after the publisher returns")
        XCTAssertEqual(source.connections, 2)
        XCTAssertGreaterThanOrEqual(source.failures, 1)
        let lines = log.all
        XCTAssertTrue(lines.contains { $0.contains("tcp://127.0.0.1:\(port)") && $0.contains("retrying in") }, "\(lines)")
        // While the publisher was away, connecting failed with FFmpeg's own text.
        XCTAssertTrue(lines.contains { $0.contains("Connection refused") || $0.contains("stream ended") }, "\(lines)")
        XCTAssertTrue(lines.contains { $0.hasPrefix("reconnected to") }, "\(lines)")
        source.stop()
        XCTAssertNil(try source.nextFrame())
    }

    func testStopInterruptsBackoffAndBlockedReads() throws {
        let port = Fixtures.freePort()
        var options = VideoSourceOptions()
        options.openTimeout = 30
        options.extra["listen"] = "1"  // blocks waiting for a publisher that never comes
        let source = ReconnectingVideoSource(url: "tcp://127.0.0.1:\(port)", options: options,
                                             reconnect: ReconnectPolicy(initialDelay: 30), log: { _ in })
        let done = expectation(description: "nextFrame returned")
        let result = Log()
        Thread.detachNewThread {
            let frame = try? source.nextFrame()
            result.add(frame == nil ? "nil" : "frame")
            done.fulfill()
        }
        Thread.sleep(forTimeInterval: 0.5)
        source.stop()
        wait(for: [done], timeout: 15)
        XCTAssertEqual(result.all, ["nil"])
        XCTAssertTrue(source.isStopped)
    }

    /// A local file that cannot be opened (missing, or not a video) fails at once: waiting
    /// and retrying cannot mend it. A network URL is retried (above).
    func testLocalFileThatCannotOpenIsNotRetried() throws {
        let garbage = try Fixtures.write([UInt8](repeating: 7, count: 4096), to: "garbage-cam.mp4")
        for url in [Fixtures.path("no-such-camera.mp4"), garbage, "file:" + garbage] {
            let log = Log()
            let source = ReconnectingVideoSource(url: url, reconnect: ReconnectPolicy(initialDelay: 5, maxDelay: 5),
                                                 log: { log.add($0) })
            let began = Date()
            XCTAssertThrowsError(try source.nextFrame(), url) { XCTAssertEqual(($0 as? VideoError)?.kind, .openFailed, "\($0)") }
            XCTAssertLessThan(Date().timeIntervalSince(began), 4, "no backoff wait: \(url)")
            XCTAssertEqual(log.all, [], "thrown, not logged as a retry: \(log.all)")
        }
        XCTAssertFalse(ReconnectingVideoSource.regularOrMissingFile("rtsp://127.0.0.1/x"))
        XCTAssertFalse(ReconnectingVideoSource.regularOrMissingFile("/dev/null"), "a device may come back")
    }

    /// A local clip that breaks off (cut short) fails at the cut, after its frames, as in
    /// `analyze`: reopening would replay the same frames up to the same cut, for ever.
    func testLocalFileThatBreaksOffIsNotReplayed() throws {
        let whole = try Fixtures.clip("whole-cam.mp4", seconds: 4, extra: ["-movflags", "+faststart"])
        var bytes = try Data(contentsOf: URL(fileURLWithPath: whole))
        bytes.removeLast(bytes.count / 2)
        let cut = try Fixtures.write([UInt8](bytes), to: "cut-cam.mp4")
        let log = Log()
        let source = ReconnectingVideoSource(url: cut, policy: .everyFrame, reconnect: ReconnectPolicy(initialDelay: 5, maxDelay: 5),
                                             log: { log.add($0) })
        let began = Date()
        var frames = 0
        XCTAssertThrowsError(try { while try source.nextFrame() != nil { frames += 1 } }()) {
            XCTAssertEqual(($0 as? VideoError)?.kind, .truncated, "\($0)")
        }
        XCTAssertGreaterThan(frames, 30, "the frames before the cut")
        XCTAssertLessThan(frames, 100, "delivered once, not replayed")
        XCTAssertLessThan(Date().timeIntervalSince(began), 4, "no backoff wait")
        XCTAssertEqual(log.all, [], "thrown, not logged as a retry: \(log.all)")
    }

    func testGivesUpAfterMaxAttemptsWithTheLastError() {
        let port = Fixtures.freePort()
        let log = Log()
        let source = ReconnectingVideoSource(url: "tcp://127.0.0.1:\(port)", options: VideoSourceOptions(),
                                             reconnect: ReconnectPolicy(initialDelay: 0.05, maxDelay: 0.1, maxAttempts: 3),
                                             log: { log.add($0) })
        XCTAssertThrowsError(try source.nextFrame()) {
            XCTAssertEqual(($0 as? VideoError)?.kind, .openFailed)
            XCTAssertTrue("\($0)".contains("Connection refused"), "\($0)")
        }
        XCTAssertEqual(source.failures, 3)
        XCTAssertEqual(log.all.count, 3)
        XCTAssertTrue(log.all.last?.contains("giving up") ?? false)
    }

    func testBackoffGrowsWithJitterAndIsCapped() {
        let p = ReconnectPolicy(initialDelay: 1, maxDelay: 30, multiplier: 2, jitter: 0.25)
        XCTAssertEqual(p.delay(afterFailures: 1, unit: 0.5), 1, accuracy: 1e-9)
        XCTAssertEqual(p.delay(afterFailures: 2, unit: 0.5), 2, accuracy: 1e-9)
        XCTAssertEqual(p.delay(afterFailures: 4, unit: 0.5), 8, accuracy: 1e-9)
        XCTAssertEqual(p.delay(afterFailures: 4, unit: 0), 6, accuracy: 1e-9)
        XCTAssertEqual(p.delay(afterFailures: 4, unit: 1), 10, accuracy: 1e-9)
        XCTAssertEqual(p.delay(afterFailures: 20, unit: 1), 30, accuracy: 1e-9)
    }

    func testStopSignalRunsTheHandler() {
        let got = expectation(description: "handler")
        let trap = StopSignal(signals: [SIGUSR2]) { sig in
            XCTAssertEqual(sig, SIGUSR2)
            got.fulfill()
        }
        kill(getpid(), SIGUSR2)
        wait(for: [got], timeout: 5)
        XCTAssertEqual(trap.receivedSignal, SIGUSR2)
    }
}
