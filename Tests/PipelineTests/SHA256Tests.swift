import Foundation
import XCTest
@testable import Pipeline

final class SHA256Tests: XCTestCase {
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
}
