import Foundation
import XCTest
@testable import Pipeline
import CSHA256

final class SHA256Tests: XCTestCase {
    /// A file that cannot be opened (a socket: refused even to root, with ENXIO) is an error
    /// naming it; its reader frees its buffer once (it was freed twice: "double free" abort).
    func testUnopenableFileIsAnError() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sw-sock-\(UUID().uuidString)").path
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd); unlink(path) }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in path.utf8.enumerated() where i < raw.count - 1 { raw[i] = b }
        }
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        XCTAssertEqual(bound, 0)
        for _ in 0..<3 {
            XCTAssertThrowsError(try SHA256.fingerprint(fileAt: path)) { XCTAssertEqual("\($0)", "cannot read \(path): No such device or address") }
            XCTAssertThrowsError(try SHA256.hex(fileAt: path))
        }
    }

    func testKnownVectors() {
        XCTAssertEqual(SHA256.hex([UInt8]()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hex(Array("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    func testStreamingMatchesOneShot() {
        let data = (0..<1000).map { UInt8(truncatingIfNeeded: $0 * 7) }
        var s = SHA256()
        for piece in stride(from: 0, to: data.count, by: 37) { s.update(data[piece..<min(piece + 37, data.count)]) }
        XCTAssertEqual(s.finalize().map { String(format: "%02x", $0) }.joined(), SHA256.hex(data))
    }

    func testMillionAs() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sw-sha-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let f = dir.appendingPathComponent("a.bin")
        try Data(repeating: 0x61, count: 1_000_000).write(to: f)
        XCTAssertEqual(try SHA256.hex(fileAt: f.path), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// The dispatched compression (SHA extensions where the CPU has them) gives the portable
    /// twin's state words on random blocks, from random states.
    func testDispatchedCompressionMatchesPortable() {
        var rng = SystemRandomNumberGenerator()
        for blocks in [1, 2, 3, 17, 64] {
            let data = (0..<(64 * blocks)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let start = (0..<8).map { _ in UInt32.random(in: 0...UInt32.max, using: &rng) }
            var fast = start, slow = start
            data.withUnsafeBufferPointer { d in
                sw_sha256_blocks(&fast, d.baseAddress!, blocks)
                sw_sha256_blocks_portable(&slow, d.baseAddress!, blocks)
            }
            XCTAssertEqual(fast, slow, "\(blocks) block(s), SHA extensions in use: \(sw_sha256_uses_sha_ni())")
            XCTAssertNotEqual(fast, start)
        }
    }

    /// Inputs of every length around block edges, fed whole and in uneven pieces (arrays,
    /// slices and Data), hash alike.
    func testLengthsAroundBlockEdges() {
        let data = (0..<300).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 5) }
        for n in [0, 1, 55, 56, 63, 64, 65, 119, 120, 127, 128, 129, 300] {
            let whole = SHA256.hex(Array(data[0..<n]))
            var s = SHA256()
            var i = 0, step = 1
            while i < n {
                let j = min(n, i + step)
                if step % 2 == 0 { s.update(Data(data[i..<j])) } else { s.update(data[i..<j]) }
                i = j; step = step * 3 % 70 + 1
            }
            XCTAssertEqual(s.finalize().map { String(format: "%02x", $0) }.joined(), whole, "length \(n)")
        }
        // Digests from Python's hashlib for three of those lengths.
        XCTAssertEqual(SHA256.hex(Array(data[0..<64])), "a0d687ef74371a82cd2239e27738b294ea0eaab5c721b1d11b16f9fb1522532f")
        XCTAssertEqual(SHA256.hex(Array(data[0..<127])), "2186a880ce2717a17904e5c1ded960517be4a2c744132103ba2351fbb4ad913d")
        XCTAssertEqual(SHA256.hex(data), "302f1eb58a0a92285672fdc7858d09293409d0bc39cf3351ea94302fbe4d3f4c")
    }
}
