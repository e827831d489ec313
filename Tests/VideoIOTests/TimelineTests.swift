import XCTest
@testable import VideoIO

/// The timeline repair on its own, in 90 kHz ticks (MPEG-TS) at 25 fps (3600 ticks a frame).
final class TimelineTests: XCTestCase {
    private let frame: Int64 = 3600

    private func timeline(discontinuous: Bool = true, wrapBits: Int = 33) -> Timeline {
        Timeline(step: 0.04, forwardLimit: Timeline.forwardLimit(step: 0.04, discontinuous: discontinuous),
                 timeBase: 1 / 90_000, wrapBits: wrapBits)
    }

    /// Feeds decode times; returns them repaired.
    private func run(_ t: inout Timeline, _ raw: [Int64]) -> [Int64] {
        raw.map { $0 + t.repair($0, isDecodeTime: true) }
    }

    func testSteadyTimestampsAreKept() {
        var t = timeline()
        let raw = (0..<100).map { 126_000 + Int64($0) * frame }
        XCTAssertEqual(run(&t, raw), raw)
        XCTAssertTrue(t.jumps.isEmpty)
    }

    /// A second recording starting again at 1.4 s: the timeline goes on one frame later.
    func testAJumpBackContinuesOneFrameLater() {
        var t = timeline()
        let first = (0..<250).map { 126_000 + Int64($0) * frame }
        let second = (0..<250).map { 126_000 + Int64($0) * frame }
        let out = run(&t, first + second)
        XCTAssertEqual(out[250], out[249] + frame)
        XCTAssertTrue(zip(out, out.dropFirst()).allSatisfy { $1 - $0 == frame })
        XCTAssertEqual(t.jumps.count, 1)
        XCTAssertEqual(t.jumps.first?.at, out[250])
        XCTAssertEqual(t.jumps.first?.by, 126_000 - (first.last! + frame))
    }

    /// Leaps ahead: beyond 10 s a jump where the container allows them; a shorter gap, or any
    /// gap in a container that does not (MP4), is kept as the container says.
    func testLeapsAhead() {
        var t = timeline()
        var out = run(&t, [0, frame, 2 * frame + 9 * 90_000])   // 9 s gap: kept
        XCTAssertEqual(out.last, 2 * frame + 9 * 90_000)
        out = run(&t, [2 * frame + 9 * 90_000 + 90 * 90_000])   // 90 s leap: repaired
        XCTAssertEqual(out.last, 3 * frame + 9 * 90_000)
        XCTAssertEqual(t.jumps.count, 1)
        XCTAssertGreaterThan(t.jumps[0].by, 0)

        var mp4 = timeline(discontinuous: false, wrapBits: 64)
        XCTAssertEqual(run(&mp4, [0, frame, 3600 * 90_000]), [0, frame, 3600 * 90_000])
        XCTAssertTrue(mp4.jumps.isEmpty)
        XCTAssertEqual(run(&mp4, [0]), [3600 * 90_000 + frame], "a step back is repaired in any container")
    }

    /// A 33-bit counter wrap (every 26.5 h) that reaches us undone lands on the expected time
    /// once 2^33 is added back: not a jump, no warning.
    func testCounterWrapIsNotAJump() {
        var t = timeline()
        let wrap = Int64(1) << 33
        let raw = [wrap - 2 * frame, wrap - frame, 0, frame, 2 * frame]
        XCTAssertEqual(run(&t, raw), [wrap - 2 * frame, wrap - frame, wrap, wrap + frame, wrap + 2 * frame])
        XCTAssertTrue(t.jumps.isEmpty)
        XCTAssertEqual(t.wraps, 1)
    }

    /// libavformat reads a joined recording's step back as a wrap and adds 2^33 (a leap of
    /// ~95 000 s): repaired like any other jump.
    func testLeapOfAMisreadWrapIsAJump() {
        var t = timeline()
        let first = (0..<250).map { 9_126_000 + Int64($0) * frame }
        let out = run(&t, first + [(Int64(1) << 33) + 126_000])
        XCTAssertEqual(out.last, first.last! + frame)
        XCTAssertEqual(t.jumps.count, 1)
        XCTAssertEqual(t.wraps, 0)
    }

    /// Presentation times of B-frames come out of order: not jumps.
    func testReorderedPresentationTimesAreNotJumps() {
        var t = timeline()
        let pts: [Int64] = [0, 3, 1, 2, 6, 4, 5, 9, 7, 8].map { $0 * frame }
        let out = pts.map { $0 + t.repair($0, isDecodeTime: false) }
        XCTAssertEqual(out, pts)
        XCTAssertTrue(t.jumps.isEmpty)
    }

    /// Matroska with B-frames: the first packets have presentation times only, then guessed
    /// decode times start lagging behind them (ffprobe: pts 0, 160, then dts 0, 40, …).
    func testDecodeTimesLaggingBehindPresentationTimesAreNotJumps() {
        var t = timeline()
        let packets: [(Int64, Bool)] = [(0, false), (4, false), (0, true), (1, true), (2, true), (3, true), (4, true), (5, true)]
        let out = packets.map { ($0.0 + t.repair($0.0 * frame, isDecodeTime: $0.1) / frame) }
        XCTAssertEqual(out, packets.map(\.0))
        XCTAssertTrue(t.jumps.isEmpty)
    }

    /// Live: across an encoder restart the timeline moves on by the time that passed.
    func testLiveJumpAdvancesByArrivalTime() {
        var t = timeline()
        _ = t.repair(50 * 90_000, isDecodeTime: true, arrival: 100)
        let shift = t.repair(126_000, isDecodeTime: true, arrival: 105)
        XCTAssertEqual(126_000 + shift, 55 * 90_000)
        XCTAssertEqual(t.jumps.count, 1)
        // A pause of 30 s whose times moved on by 30 s is no jump.
        let paused = 55 * 90_000 + 30 * 90_000 - shift
        XCTAssertEqual(t.repair(paused, isDecodeTime: true, arrival: 135), shift)
        XCTAssertEqual(t.jumps.count, 1)
    }

    /// After a seek the next timestamp is taken as it comes.
    func testResynchronizeAfterASeek() {
        var t = timeline()
        _ = run(&t, [0, frame, 2 * frame, 3 * frame])
        t.resynchronize()
        XCTAssertEqual(run(&t, [frame, 2 * frame]), [frame, 2 * frame])
        XCTAssertTrue(t.jumps.isEmpty)
    }
}
