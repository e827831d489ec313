import Foundation
import XCTest

/// `streetwarden bench decode`: figures on stdout (text or one JSON object), errors on stderr
/// with a non-zero status.
final class BenchDecodeCommandTests: XCTestCase {
    private func clip(_ dir: URL) throws -> String {
        let path = dir.appendingPathComponent("bench.mp4").path
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25",
                       "-t", "2", "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-pix_fmt", "yuv420p", path]
        try p.run()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)
        return path
    }

    func testJSONAllAndKeyframes() throws {
        let dir = try temporaryFolder(self)
        let path = try clip(dir)
        for (mode, frames) in [("all", 50), ("keyframes", 2)] {
            let r = try CLI.run(["bench", "decode", path, "--mode", mode, "--json"])
            XCTAssertEqual(r.status, 0, r.stderr)
            let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
            XCTAssertEqual(Set(object.keys), ["frames", "seconds", "fps", "realtime_factor", "mode"])
            XCTAssertEqual(object["frames"] as? Int, frames)
            XCTAssertEqual(object["mode"] as? String, mode)
            XCTAssertGreaterThan(object["fps"] as? Double ?? 0, 0)
            XCTAssertGreaterThan(object["realtime_factor"] as? Double ?? 0, 0)
        }
        let text = try CLI.run(["bench", "decode", path, "--threads", "1", "--duration", "1"])
        XCTAssertEqual(text.status, 0, text.stderr)
        XCTAssertTrue(text.stdout.contains("frames in"), text.stdout)
    }

    /// A stream on standard input (`pipe:0`, `/dev/stdin`) is read; a named pipe is refused at
    /// once (opening it would wait for a writer beyond any timeout).
    func testStandardInputAndNamedPipes() throws {
        let dir = try temporaryFolder(self)
        let ts = dir.appendingPathComponent("bench.ts").path   // a stream format: nothing to seek back to
        let mux = Process()
        mux.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        mux.arguments = ["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", try clip(dir), "-c", "copy", "-f", "mpegts", ts]
        try mux.run()
        mux.waitUntilExit()
        let bytes = try Data(contentsOf: URL(fileURLWithPath: ts))
        for name in ["pipe:0", "/dev/stdin"] {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: CLI.binary)
            p.arguments = ["bench", "decode", name, "--json"]
            let input = Pipe(), out = Pipe()
            p.standardInput = input
            p.standardOutput = out
            p.standardError = FileHandle.nullDevice
            try p.run()
            let writer = Thread {
                try? input.fileHandleForWriting.write(contentsOf: bytes)
                try? input.fileHandleForWriting.close()
            }
            writer.start()
            let text = out.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            XCTAssertEqual(p.terminationStatus, 0, name)
            let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: text) as? [String: Any], name)
            XCTAssertEqual(object["frames"] as? Int, 50, "every frame of the 2 s clip from \(name)")
        }
        let fifo = dir.appendingPathComponent("feed.ts").path
        XCTAssertEqual(mkfifo(fifo, 0o644), 0)
        let r = try CLI.run(["bench", "decode", fifo])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("\(fifo): a named pipe"), r.stderr)
    }

    func testBadInputExitsNonZeroWithTheErrorOnStderr() throws {
        let dir = try temporaryFolder(self)
        let missing = dir.appendingPathComponent("missing.mp4").path
        let r = try CLI.run(["bench", "decode", missing])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains(missing), r.stderr)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, "one line: \(r.stderr)")
        XCTAssertTrue(r.stdout.isEmpty)
    }
}
