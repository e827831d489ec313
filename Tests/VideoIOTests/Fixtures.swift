import Foundation
import XCTest

/// Test inputs made with the ffmpeg CLI in a temporary folder (no binary fixtures), and live
/// publishers started on 127.0.0.1.
enum Fixtures {
    /// One folder per test run, removed by the OS's temp cleaning.
    static let dir: URL = {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("streetwarden-videoio-\(getpid())")
        try? FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d
    }()

    static func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    private static let lock = NSLock()

    /// Runs ffmpeg with `args` (after `-v error -y`) to make `name` once; returns its path.
    @discardableResult
    static func make(_ name: String, _ args: [String]) throws -> String {
        lock.lock()
        defer { lock.unlock() }
        let out = path(name)
        if FileManager.default.fileExists(atPath: out) { return out }
        let tmp = path("tmp-" + name)
        let status = try run("ffmpeg", ["-nostdin", "-v", "error", "-y"] + args.map { $0 == "OUT" ? tmp : $0 })
        guard status == 0 else { throw XCTSkip("ffmpeg could not make \(name) (status \(status))") }
        try FileManager.default.moveItem(atPath: tmp, toPath: out)
        return out
    }

    /// A 320x240 test pattern of `seconds` at 25 fps, `gop` frames between keyframes.
    static func clip(_ name: String, seconds: Double = 2, gop: Int = 25, codec: [String] = ["-c:v", "libx264", "-preset", "ultrafast"],
                     extra: [String] = []) throws -> String {
        try make(name, ["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-t", String(seconds)]
                 + codec + ["-g", String(gop), "-pix_fmt", "yuv420p"] + extra + ["OUT"])
    }

    @discardableResult
    static func run(_ tool: String, _ args: [String]) throws -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [tool] + args
        p.standardInput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        return p.terminationStatus
    }

    /// A free TCP/UDP port on 127.0.0.1 (bound then released).
    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) }
        }
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    /// Bytes of a file.
    static func bytes(_ path: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) }

    static func write(_ bytes: [UInt8], to name: String) throws -> String {
        let p = path(name)
        try Data(bytes).write(to: URL(fileURLWithPath: p))
        return p
    }
}

/// A background process (ffmpeg publisher, http server) that is stopped when the test ends.
final class Background {
    let process = Process()

    /// Starts `tool args`, after `delay` seconds when given (so a listening reader is ready).
    init(_ tool: String, _ args: [String], delay: Double = 0) throws {
        if delay > 0 {
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            let quoted = ([tool] + args).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
            process.arguments = ["-c", "sleep \(delay) && exec \(quoted)"]
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [tool] + args
        }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
    }

    /// A live test-pattern publisher: `ffmpeg -re … -f FORMAT URL`.
    static func publisher(format: String, url: String, seconds: Double = 30, delay: Double = 0,
                          extra: [String] = []) throws -> Background {
        try Background("ffmpeg", ["-nostdin", "-v", "error", "-re", "-f", "lavfi",
                                  "-i", "testsrc2=size=320x240:rate=25", "-t", String(seconds),
                                  "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency",
                                  "-g", "25", "-pix_fmt", "yuv420p"] + extra + ["-f", format, url], delay: delay)
    }

    var isRunning: Bool { process.isRunning }

    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    deinit { stop() }
}

