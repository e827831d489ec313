import CaseStore
import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// `watch` with a moving camera: video published by ffmpeg over TCP on loopback, the car's
/// NMEA sentences arriving over UDP beside it (current UTC times, driving east at 8 m/s), a red
/// square in view the whole time (garbage for the colour-probe model).
final class PatrolWatchCommandTests: XCTestCase {
    /// Sends RMC sentences for "now" every 0.5 s until `stop` is set.
    final class NMEASender: @unchecked Sendable {
        let port: Int
        private let lock = NSLock()
        private var stopped = false
        private(set) var sent = 0
        init(port: Int) { self.port = port }
        func stop() { lock.lock(); stopped = true; lock.unlock() }
        var isStopped: Bool { lock.lock(); defer { lock.unlock() }; return stopped }

        func run() {
            let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
            defer { close(fd) }
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_port = in_port_t(UInt16(port).bigEndian)
            inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr)
            let start = Date()
            let f = DateFormatter()
            f.locale = Locale(identifier: "en_US_POSIX")
            f.timeZone = TimeZone(identifier: "UTC")
            while !isStopped {
                let now = Date()
                f.dateFormat = "HHmmss.SS"
                let hms = f.string(from: now)
                f.dateFormat = "ddMMyy"
                let dmy = f.string(from: now)
                let east = now.timeIntervalSince(start) * 8 / (111_195.08 * cos(22.5431 * .pi / 180)) * 60  // minutes of longitude
                let body = String(format: "GPRMC,%@,A,2232.5860,N,114%07.4f,E,15.55,90.0,%@,,,A", hms, 3.474 + east, dmy)
                var sum: UInt8 = 0
                for b in body.utf8 { sum ^= b }
                let line = Array("$\(body)*\(String(format: "%02X", sum))\r\n".utf8)
                _ = withUnsafePointer(to: &addr) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, line, line.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
                }
                sent += 1
                usleep(500_000)
            }
        }
    }

    func testMovingCameraWithNMEAOverUDP() throws {
        let dir = try temporaryFolder(self)
        let model = try Fixtures.colourProbeModel(in: dir)
        let clip = dir.appendingPathComponent("car.ts")
        try Fixtures.clip(clip, seconds: 8, rate: 5, patches: [.init(color: "red", x: 270, y: 50, size: 40, ranges: [(0, 8)])],
                          extra: ["-g", "5", "-f", "mpegts"])
        let port = 20_000 + Int(getpid() % 20_000) + 7, gpsPort = port + 1
        let cfg = dir.appendingPathComponent("car.yaml")
        try """
        cameras:
          - id: car-live
            url: tcp://127.0.0.1:\(port)?listen=1
            options: { open_timeout: 30, read_timeout: 3 }
            moving: true
            sampling: {fps: 2}
            gps: udp://127.0.0.1:\(gpsPort)
        """.write(to: cfg, atomically: true, encoding: .utf8)
        let db = dir.appendingPathComponent("live.sqlite").path
        let watch = Process()
        watch.executableURL = URL(fileURLWithPath: CLI.binary)
        watch.arguments = ["watch", "--config", cfg.path, "--db", db, "--model", model]
        let out = Pipe(), err = Pipe()
        watch.standardOutput = out; watch.standardError = err
        try watch.run()
        defer { if watch.isRunning { kill(watch.processIdentifier, SIGKILL) } }

        let sender = NMEASender(port: gpsPort)
        let senderDone = DispatchSemaphore(value: 0)
        Thread { sender.run(); senderDone.signal() }.start()
        // Publish the clip in real time; retry until the watcher listens.
        var published = false
        for _ in 0..<50 where !published {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/ffmpeg")
            p.arguments = ["-v", "error", "-re", "-i", clip.path, "-c", "copy", "-f", "mpegts", "tcp://127.0.0.1:\(port)"]
            p.standardError = FileHandle.nullDevice
            try p.run()
            DispatchQueue.global().asyncAfter(deadline: .now() + 60) { if p.isRunning { p.terminate() } }
            p.waitUntilExit()
            published = p.terminationStatus == 0
            if !published { usleep(200_000) }
        }
        XCTAssertTrue(published)
        sleep(3)  // the last samples wait for their fixes
        sender.stop()
        senderDone.wait()
        kill(watch.processIdentifier, SIGTERM)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        watch.waitUntilExit()
        XCTAssertEqual(watch.terminationStatus, 0, stderr)
        XCTAssertTrue(stderr.contains("camera car-live: moving camera, GPS from udp://127.0.0.1:\(gpsPort)"), stderr)

        let store = try CaseStore(path: db)
        let drives = try store.drives()
        XCTAssertEqual(drives.map(\.trackSource), ["nmea-live:udp://127.0.0.1:\(gpsPort)"])
        XCTAssertGreaterThan(drives.first?.lengthMetres ?? 0, 40, "the car drove while the clip played")
        let cases = try store.cases()
        XCTAssertFalse(cases.isEmpty, stderr)
        for c in cases {
            XCTAssertEqual(c.category, "garbage")
            XCTAssertEqual(c.latitude ?? 0, 22.5430, accuracy: 0.0003, "south-east of the car, beside the road")
            XCTAssertEqual(try store.patrolInfo(caseID: c.id)?.trackSource, "nmea-live:udp://127.0.0.1:\(gpsPort)")
        }
        XCTAssertEqual(try store.check(), [])
    }
}
