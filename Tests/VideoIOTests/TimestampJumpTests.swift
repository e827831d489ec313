import Foundation
import XCTest
@testable import VideoIO

/// MPEG-TS recordings joined end to end with `cat`, as NVRs and people join them: the
/// timestamps jump at the join, and the source continues its timeline across the jump.
final class TimestampJumpTests: XCTestCase {
    /// A 10 s, 25 fps MPEG-TS recording (2 s GOP) whose timestamps start at `offset` s (+1.4 s,
    /// the muxer's own start).
    private func recording(_ name: String, offset: Double = 0) throws -> String {
        try Fixtures.clip(name, seconds: 10, gop: 50, extra: ["-output_ts_offset", String(offset)])
    }

    /// `cat` of the parts into `name`.
    private func joined(_ name: String, _ parts: [String]) throws -> String {
        let out = Fixtures.path(name)
        let status = try Fixtures.run("sh", ["-c", "cat \"$@\" > \"\(out)\"", "cat"] + parts)
        XCTAssertEqual(status, 0)
        return out
    }

    private func readAll(_ source: VideoSource) throws -> [VideoFrame] {
        var frames: [VideoFrame] = []
        while let f = try source.nextFrame() { frames.append(f) }
        return frames
    }

    /// A recording in another codec joined after the first: the demuxer keeps the first
    /// stream's codec, so the video ends early. The error says what that may be.
    func testJoinOfAnotherCodecSaysSo() throws {
        let a = try recording("codec-a.ts")
        let b = try Fixtures.clip("codec-b.ts", seconds: 10, gop: 50, codec: ["-c:v", "mpeg4"])
        let path = try joined("codec-join.ts", [a, b])
        let source = try VideoSource(url: path, policy: .keyframes)
        XCTAssertThrowsError(try readAll(source)) { e in
            XCTAssertEqual((e as? VideoError)?.kind, .truncated, "\(e)")
            XCTAssertTrue("\(e)".hasSuffix("(cut off, or followed by a recording in another codec?)"), "\(e)")
        }
    }

    /// Three joins: the second recording starts again at the same time (a step back), its
    /// clock is far behind (libavformat reads it as a 33-bit wrap: the clip would last ~95 354 s)
    /// or 90 s ahead. Each is one 20 s timeline with one jump at 10 s, under every policy.
    func testJoinedRecordingsMakeOneTimeline() throws {
        let a = try recording("part-a.ts"), b = try recording("part-b.ts")
        let late = try recording("part-late.ts", offset: 100)
        let cases = [("back.ts", [a, b]), ("misread-wrap.ts", [late, b]), ("ahead.ts", [a, late])]
        for (name, parts) in cases {
            let path = try joined(name, parts)
            for policy in [SamplingPolicy.everyFrame, .keyframes, .rate(1)] {
                let source = try VideoSource(url: path, policy: policy)
                XCTAssertEqual(source.duration ?? 0, 20, accuracy: 0.02, "\(name) \(policy): the repaired length")
                let frames = try readAll(source)   // no "truncated": the length agrees with the timeline
                let expected = policy == .everyFrame ? 500 : policy == .keyframes ? 10 : 20
                XCTAssertEqual(frames.count, expected, "\(name) \(policy)")
                XCTAssertTrue(zip(frames, frames.dropFirst()).allSatisfy { $0.pts < $1.pts }, "\(name) \(policy): times only go forward")
                XCTAssertLessThan(frames.last!.pts, 20, "\(name) \(policy)")
                XCTAssertLessThan(frames.last!.wallClock.timeIntervalSince(frames.first!.wallClock), 20, "\(name) \(policy)")
                XCTAssertEqual(source.position, 20, accuracy: 0.02, "\(name) \(policy)")
                XCTAssertEqual(source.timestampJumps.count, 1, "\(name) \(policy)")
                XCTAssertEqual(source.timestampJumps.first?.at ?? 0, 10, accuracy: 0.05, "\(name) \(policy)")
            }
        }
    }

    /// A joined file's wall clock (no creation time: its modification time minus its length)
    /// comes from the repaired length, not from the ~95 354 s the container states.
    func testWallClockOfAJoinedFileUsesTheRepairedLength() throws {
        let path = try joined("dated.ts", [try recording("dated-a.ts", offset: 100), try recording("dated-b.ts")])
        let written = Date(timeIntervalSince1970: 1_780_000_000)
        try FileManager.default.setAttributes([.modificationDate: written], ofItemAtPath: path)
        let frames = try readAll(try VideoSource(url: path))
        XCTAssertEqual(frames.first!.wallClock.timeIntervalSince(written), -20, accuracy: 0.5)
        XCTAssertEqual(frames.last!.wallClock.timeIntervalSince(written), -2, accuracy: 0.5)
    }

    /// An ordinary recording has no jump, and neither has one whose 33-bit clock wraps in the
    /// middle (started 5 s before the wrap, as a camera up for 26.5 h does).
    func testNoJumpsInOrdinaryOrWrappingRecordings() throws {
        let wrapAt = Double(Int64(1) << 33) / 90_000
        for (name, offset) in [("plain.ts", 0.0), ("wrapping.ts", wrapAt - 1.4 - 5)] {
            let path = try recording(name, offset: offset)
            let source = try VideoSource(url: path, policy: .everyFrame)
            XCTAssertEqual(source.duration ?? 0, 10, accuracy: 0.1, name)
            let frames = try readAll(source)
            XCTAssertEqual(frames.count, 250, name)
            XCTAssertTrue(zip(frames, frames.dropFirst()).allSatisfy { abs($1.pts - $0.pts - 0.04) < 0.001 }, name)
            XCTAssertEqual(source.timestampJumps, [], name)
        }
    }

    /// A live stream whose camera restarts its encoder (its timestamps start again) keeps one
    /// timeline, says so once, and a rate policy keeps sampling across the restart (before,
    /// every frame until the times caught up again was dropped).
    func testLiveStreamWithAnEncoderRestart() throws {
        let a = try recording("live-a.ts"), b = try recording("live-b.ts")
        let path = try joined("live-restart.ts", [a, b])
        let port = Fixtures.freePort()
        // A camera as a TCP server: sends the joined bytes to the first client, then closes.
        let server = try Background("python3", ["-c", """
            import socket, time
            s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", \(port))); s.listen(1)
            c, _ = s.accept(); d = open("\(path)", "rb").read()
            for i in range(0, len(d), 65536): c.sendall(d[i:i + 65536]); time.sleep(0.002)
            c.close(); time.sleep(30)
            """])
        defer { server.stop() }
        var options = VideoSourceOptions()
        options.openTimeout = 5
        options.readTimeout = 3
        let warnings = ReconnectingVideoSourceTests.Log()
        let source = ReconnectingVideoSource(url: "tcp://127.0.0.1:\(port)", options: options, policy: .rate(1),
                                             reconnect: ReconnectPolicy(initialDelay: 0.2, maxDelay: 0.5, multiplier: 2, jitter: 0),
                                             log: { _ in }, warn: { warnings.add($0) })
        let watchdog = DispatchWorkItem { source.stop() }
        DispatchQueue.global().asyncAfter(deadline: .now() + 20, execute: watchdog)
        defer { watchdog.cancel() }
        var times: [Double] = []
        while times.count < 20, let f = try source.nextFrame() {
            if source.connections == 1 { times.append(f.pts) }
        }
        source.stop()
        XCTAssertEqual(times.count, 20, "a sample a second across the restart: \(times)")
        XCTAssertTrue(zip(times, times.dropFirst()).allSatisfy { $0 < $1 }, "\(times)")
        XCTAssertLessThan(times.last ?? 99, 20.5)
        XCTAssertEqual(warnings.all.count, 1, "\(warnings.all)")
        XCTAssertTrue(warnings.all.first?.hasPrefix("tcp://127.0.0.1:\(port): timestamps jump back") ?? false, "\(warnings.all)")
    }
}
