import Foundation
import XCTest

/// Runs the built `streetwarden` binary.
enum CLI {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// STREETWARDEN_BIN, else the newest of the debug and release builds.
    static var binary: String {
        if let b = ProcessInfo.processInfo.environment["STREETWARDEN_BIN"] { return b }
        let candidates = [".build/debug/streetwarden", ".build/release/streetwarden"].map { repoRoot.appendingPathComponent($0).path }
        let existing = candidates.filter { FileManager.default.isExecutableFile(atPath: $0) }
        func mtime(_ p: String) -> Date { ((try? FileManager.default.attributesOfItem(atPath: p))?[.modificationDate] as? Date) ?? .distantPast }
        return existing.max { mtime($0) < mtime($1) } ?? candidates[0]
    }

    struct Result { var status: Int32; var stdout: String; var stderr: String }

    /// Runs the binary with `args`; `stdout`, when given, receives its standard output instead
    /// of the result (e.g. /dev/full), and `prefix` runs it through another command (setpriv).
    @discardableResult
    static func run(_ args: [String], cwd: URL? = nil, env: [String: String] = [:], stdout: FileHandle? = nil,
                    prefix: [String] = []) throws -> Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: prefix.first ?? binary)
        p.arguments = prefix.isEmpty ? args : Array(prefix.dropFirst()) + [binary] + args
        if let cwd { p.currentDirectoryURL = cwd }
        var e = ProcessInfo.processInfo.environment
        for (k, v) in env { e[k] = v }
        p.environment = e
        let out = Pipe(), err = Pipe()
        p.standardOutput = stdout ?? out; p.standardError = err
        if stdout != nil { try out.fileHandleForWriting.close() }
        try p.run()
        // Read both pipes fully before waiting, so a large output cannot block the child.
        let errBox = DataBox()
        let g = DispatchGroup()
        g.enter(); DispatchQueue.global().async { errBox.data = err.fileHandleForReading.readDataToEndOfFile(); g.leave() }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        g.wait()
        let errData = errBox.data
        p.waitUntilExit()
        return Result(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }
}

final class DataBox: @unchecked Sendable { var data = Data() }

func temporaryFolder(_ test: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("sw-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}
