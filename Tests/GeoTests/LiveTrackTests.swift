import XCTest
@testable import Geo

final class LiveTrackTests: XCTestCase {
    func testGrowsAsSentencesArrive() {
        let drive = TestDrive(legs: [.init(heading: 90, metres: 80)])
        let live = LiveTrack(name: "udp://127.0.0.1:10110", timeOffset: 0.5)
        XCTAssertEqual(live.lookup(TestDrive.t0), .noFixes)
        let lines = TrackWriter.nmea(drive.points).split(separator: "\r\n").map(String.init)
        for line in lines.prefix(8) { XCTAssertNil(live.feed(line: line)) }
        // Four epochs sent; three emitted (the fourth waits for its epoch to end).
        XCTAssertEqual(live.endTime!, TestDrive.t0 + 2.5, accuracy: 1e-6)
        XCTAssertNotNil(live.lookup(TestDrive.t0 + 1.5).sample)
        XCTAssertEqual(live.lookup(TestDrive.t0 + 5), .afterEnd(seconds: 2.5))
        XCTAssertNotNil(live.feed(line: "$GPRMC,garbage*00"))
        for line in lines.dropFirst(8) { live.feed(line: line) }
        live.flush()
        XCTAssertEqual(live.snapshot.points.count, drive.points.count)
        XCTAssertEqual(live.snapshot.source.description, "nmea-live:udp://127.0.0.1:10110@+0.500s")
        XCTAssertEqual(live.snapshot.warnings.count, 1)
    }

    func testConcurrentFeedAndLookup() {
        let drive = TestDrive.block(laps: 1)
        let live = LiveTrack(name: "tcp://127.0.0.1:10110")
        let lines = TrackWriter.nmea(drive.points).split(separator: "\r\n").map(String.init)
        DispatchQueue.concurrentPerform(iterations: 2) { worker in
            if worker == 0 {
                for line in lines { live.feed(line: line) }
            } else {
                for i in 0..<2000 { _ = live.lookup(TestDrive.t0 + Double(i % 80)) }
            }
        }
        live.flush()
        XCTAssertEqual(live.snapshot.points.count, drive.points.count)
    }
}
