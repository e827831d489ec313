import CaseStore
import Foundation
import Geo
import Rules
import XCTest
@testable import Pipeline
#if canImport(Glibc)
import Glibc
#endif

/// Live NMEA over real loopback sockets, as a patrol car's GPS receiver would send it next to
/// its video stream.
final class NMEAListenerTests: XCTestCase {
    let drive = PatrolDrive(laps: 1)

    func sentences(_ range: Range<Int>) -> [String] {
        TrackWriter.nmea(Array(drive.points[range])).split(separator: "\r\n").map { String($0) + "\r\n" }
    }

    func port() -> Int { Int.random(in: 20_000..<60_000) }

    func waitFor(_ what: @autoclosure () -> Bool, seconds: Double = 10) {
        let end = Date().addingTimeInterval(seconds)
        while !what() && Date() < end { usleep(20_000) }
    }

    func sendUDP(_ port: Int, _ text: String) {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr)
        let bytes = Array(text.utf8)
        _ = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, bytes, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
    }

    func testUDPDatagramsBuildTheTrack() throws {
        let p = port()
        let live = LiveTrack(name: "udp://127.0.0.1:\(p)")
        let listener = try NMEAListener(url: "udp://127.0.0.1:\(p)", track: live)
        listener.start()
        // Two epochs per datagram, plus a corrupted sentence.
        let s = sentences(0..<20)
        for i in stride(from: 0, to: s.count, by: 4) { sendUDP(p, s[i..<min(i + 4, s.count)].joined()) }
        sendUDP(p, "$GPRMC,080000.00,A,2232.5860,N,11403.4740,E,15.55,90.0,291126,,,A*00\r\n")
        waitFor(live.snapshot.points.count >= 19 && listener.lines >= 41)
        listener.stop()
        XCTAssertEqual(live.snapshot.points.count, 20, "the last epoch is flushed when the listener stops")
        XCTAssertEqual(live.snapshot.warnings.count, 1)
        XCTAssertTrue(live.snapshot.warnings[0].message.contains("checksum"))
    }

    func testTCPSenderMayReconnect() throws {
        let p = port()
        let live = LiveTrack(name: "tcp://127.0.0.1:\(p)")
        let listener = try NMEAListener(url: "tcp://127.0.0.1:\(p)", track: live)
        listener.start()
        for part in [0..<10, 10..<20] {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_port = in_port_t(UInt16(p).bigEndian)
            inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr)
            let ok = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            XCTAssertEqual(ok, 0)
            let text = Array(sentences(part).joined().utf8)
            // Split mid-sentence to check that lines are reassembled.
            _ = Glibc.send(fd, Array(text[..<37]), 37, 0)
            _ = Glibc.send(fd, Array(text[37...]), text.count - 37, 0)
            close(fd)
            waitFor(listener.lines >= part.upperBound * 2)
        }
        listener.stop()
        XCTAssertEqual(live.snapshot.points.count, 20)
        XCTAssertTrue(live.snapshot.warnings.isEmpty, "\(live.snapshot.warnings)")
    }

    func testBadAddresses() throws {
        let live = LiveTrack(name: "x")
        XCTAssertThrowsError(try NMEAListener(url: "http://127.0.0.1:80", track: live)) { XCTAssertTrue("\($0)".contains("udp://HOST:PORT")) }
        XCTAssertThrowsError(try NMEAListener(url: "udp://gps.example:10110", track: live)) { XCTAssertTrue("\($0)".contains("not an IPv4 address")) }
        let p = port()
        let first = try NMEAListener(url: "tcp://127.0.0.1:\(p)", track: live)
        XCTAssertThrowsError(try NMEAListener(url: "tcp://127.0.0.1:\(p)", track: live)) {
            XCTAssertTrue("\($0)".hasPrefix("gps tcp://127.0.0.1:\(p): cannot listen"), "\($0)")
        }
        _ = first
    }

    /// A live sample waits for the fix that arrives just after it, instead of being reported
    /// as outside the track.
    func testLiveSamplesWaitForTheirFix() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sw-live-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try CaseStore(path: dir.appendingPathComponent("db.sqlite").path)
        let live = LiveTrack(name: "udp://127.0.0.1:1")
        for line in sentences(0..<6) { live.feed(line: line) }  // fixes up to point 4 emitted
        var cam = CameraConfig(id: "car-live", url: "udp://127.0.0.1:5000")
        cam.moving = MovingCameraConfig()
        let sid = try store.upsertSource(SourceInfo(key: "camera:car-live", kind: .stream, uri: cam.url, cameraID: cam.id))
        let rec = PatrolRecorder(store: store, writer: EvidenceWriter(root: dir), config: StreetWardenConfig(cameras: [cam]), camera: cam,
                                 moving: cam.moving!, positions: live, sourceID: sid,
                                 runID: try store.beginRun(sourceID: sid, model: nil, configDigest: nil),
                                 sourceKey: "camera:car-live", evidenceSub: cam.id, encode: ppm)
        rec.autoSeed = true
        let t = drive.points[5].time + 0.5  // after the last emitted fix
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.3) { [self] in
            for line in sentences(6..<8) { live.feed(line: line) }
        }
        try rec.process(Sample(time: t, wallClock: Date(timeIntervalSince1970: t), observations: [])) {
            RGBCanvas(width: 4, height: 4, pixels: [UInt8](repeating: 0, count: 48))
        }
        XCTAssertEqual(rec.unpositioned.total, 0)
        // Far beyond the track's end: reported, after a bounded wait.
        rec.liveWait = 0.1
        try rec.process(Sample(time: t + 60, wallClock: Date(timeIntervalSince1970: t + 60), observations: [])) {
            RGBCanvas(width: 4, height: 4, pixels: [UInt8](repeating: 0, count: 48))
        }
        XCTAssertEqual(rec.unpositioned.afterTrack, 1)
    }
}
