import Foundation
import XCTest
@testable import VideoIO

/// Live inputs served on 127.0.0.1 by ffmpeg processes the tests start themselves.
/// Nothing here asserts on timing beyond generous upper bounds.
final class LiveSourceTests: XCTestCase {
    private func options(_ settings: [String] = [], open: Double = 20) throws -> VideoSourceOptions {
        var o = VideoSourceOptions()
        o.openTimeout = open
        o.readTimeout = 10
        for s in settings { try o.set(s) }
        return o
    }

    /// Reads `count` frames and checks they look like a live 320x240 stream.
    private func read(_ source: VideoSource, count: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertTrue(source.isLive, file: file, line: line)
        XCTAssertNil(source.duration, file: file, line: line)
        var frames: [VideoFrame] = []
        while frames.count < count, let f = try source.nextFrame() { frames.append(f) }
        XCTAssertEqual(frames.count, count, file: file, line: line)
        XCTAssertEqual(frames.first?.width, 320, file: file, line: line)
        XCTAssertTrue(zip(frames, frames.dropFirst()).allSatisfy { $0.pts < $1.pts }, "pts increase: \(frames.map(\.pts))", file: file, line: line)
        // Arrival time: within the last minute.
        XCTAssertLessThan(abs(frames.last!.wallClock.timeIntervalSinceNow), 60, file: file, line: line)
        XCTAssertEqual(frames.last!.planarRGB(width: 32, height: 18).count, 3 * 32 * 18, file: file, line: line)
    }

    func testTCPMPEGTS() throws {
        let port = Fixtures.freePort()
        let publisher = try Background.publisher(format: "mpegts", url: "tcp://127.0.0.1:\(port)?listen=1")
        defer { publisher.stop() }
        Thread.sleep(forTimeInterval: 0.5)
        // The camera-as-server case: connect, retrying until the publisher listens.
        var source: VideoSource?
        for _ in 0..<40 where source == nil {
            source = try? VideoSource(url: "tcp://127.0.0.1:\(port)", options: try options(), policy: .everyFrame)
            if source == nil { Thread.sleep(forTimeInterval: 0.25) }
        }
        try read(try XCTUnwrap(source), count: 30)
    }

    func testUDPMPEGTS() throws {
        let port = Fixtures.freePort()
        let publisher = try Background.publisher(format: "mpegts", url: "udp://127.0.0.1:\(port)?pkt_size=1316", delay: 0.5)
        defer { publisher.stop() }
        var o = try options()
        o.bufferSize = 1 << 20
        let source = try VideoSource(url: "udp://127.0.0.1:\(port)", options: o, policy: .everyFrame)
        try read(source, count: 30)
    }

    func testRTSPWithThisProcessAsServer() throws {
        let port = Fixtures.freePort()
        let url = "rtsp://127.0.0.1:\(port)/live"
        let publisher = try Background.publisher(format: "rtsp", url: url, delay: 1, extra: ["-rtsp_transport", "tcp"])
        defer { publisher.stop() }
        let source = try VideoSource(url: url, options: try options(["rtsp_flags=listen"]), policy: .everyFrame)
        XCTAssertEqual(source.codecName, "h264")
        try read(source, count: 30)
    }

    func testRTMPWithThisProcessAsServer() throws {
        let port = Fixtures.freePort()
        let url = "rtmp://127.0.0.1:\(port)/live/cam1"
        let publisher = try Background.publisher(format: "flv", url: url, delay: 1)
        defer { publisher.stop() }
        let source = try VideoSource(url: url, options: try options(["listen=1"]), policy: .everyFrame)
        try read(source, count: 30)
    }

    func testHLSOverHTTP() throws {
        let hls = Fixtures.path("hls")
        if !FileManager.default.fileExists(atPath: hls + "/index.m3u8") {
            try FileManager.default.createDirectory(atPath: hls, withIntermediateDirectories: true)
            try Fixtures.run("ffmpeg", ["-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25",
                                        "-t", "2", "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-pix_fmt", "yuv420p",
                                        "-f", "hls", "-hls_time", "1", "-hls_list_size", "0", hls + "/index.m3u8"])
        }
        let port = Fixtures.freePort()
        let server = try Background("python3", ["-m", "http.server", String(port), "--bind", "127.0.0.1", "--directory", hls])
        defer { server.stop() }
        let url = "http://127.0.0.1:\(port)/index.m3u8"
        var source: VideoSource?
        for _ in 0..<40 where source == nil {
            source = try? VideoSource(url: url, options: try options(), policy: .everyFrame)
            if source == nil { Thread.sleep(forTimeInterval: 0.25) }
        }
        let s = try XCTUnwrap(source, "HLS over http")
        XCTAssertFalse(s.isLive, "a finished playlist is a recording")
        var n = 0
        while try s.nextFrame() != nil { n += 1 }
        XCTAssertEqual(n, 50)
    }

    func testOpenTimeoutWhenNobodyPublishes() throws {
        let port = Fixtures.freePort()
        var o = try options(open: 1)
        o.extra["listen"] = "1"
        let started = Date()
        XCTAssertThrowsError(try VideoSource(url: "tcp://127.0.0.1:\(port)", options: o)) {
            let e = $0 as? VideoError
            XCTAssertEqual(e?.kind, .timedOut, "\(String(describing: e))")
            XCTAssertEqual(e?.input, "tcp://127.0.0.1:\(port)")
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 30)
    }

    func testReadTimeoutWhenTheStreamStalls() throws {
        let port = Fixtures.freePort()
        let publisher = try Background.publisher(format: "mpegts", url: "udp://127.0.0.1:\(port)?pkt_size=1316", seconds: 3, delay: 0.5)
        defer { publisher.stop() }
        var o = try options()
        o.readTimeout = 1
        let source = try VideoSource(url: "udp://127.0.0.1:\(port)", options: o, policy: .everyFrame)
        var frames = 0
        XCTAssertThrowsError(try { while try source.nextFrame() != nil { frames += 1 } }()) {
            XCTAssertEqual(($0 as? VideoError)?.kind, .timedOut, "\($0)")
        }
        XCTAssertGreaterThan(frames, 10, "frames before the stall are delivered")
    }

    func testPasswordsAreMaskedInNames() {
        XCTAssertEqual(displayName(of: "rtsp://admin:secret@10.0.0.5:554/stream1"), "rtsp://admin:***@10.0.0.5:554/stream1")
        XCTAssertEqual(displayName(of: "rtsp://10.0.0.5/a@b"), "rtsp://10.0.0.5/a@b")
        XCTAssertEqual(displayName(of: "/clips/a:b.mp4"), "/clips/a:b.mp4")
    }
}
