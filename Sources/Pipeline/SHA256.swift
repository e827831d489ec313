import Foundation
import CSHA256

/// SHA-256 (FIPS 180-4), for evidence files and clip identities. Streaming: `update` any number
/// of times, then `finalize`.
public struct SHA256 {
    private var h: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) =
        (0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19)
    /// Bytes of an unfinished block (fewer than 64).
    private var buffer = [UInt8]()
    private var length: UInt64 = 0

    public init() {}

    public mutating func update<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        if bytes.withContiguousStorageIfAvailable({ update(raw: UnsafeRawBufferPointer($0)) }) == nil {
            Array(bytes).withUnsafeBytes { update(raw: $0) }
        }
    }

    public mutating func update(_ data: Data) {
        data.withUnsafeBytes { update(raw: $0) }
    }

    mutating func update(raw: UnsafeRawBufferPointer) {
        guard let start = raw.baseAddress?.assumingMemoryBound(to: UInt8.self), raw.count > 0 else { return }
        length &+= UInt64(raw.count)
        var off = 0
        if !buffer.isEmpty {
            let take = min(64 - buffer.count, raw.count)
            buffer.append(contentsOf: UnsafeBufferPointer(start: start, count: take))
            off = take
            if buffer.count == 64 {
                buffer.withUnsafeBufferPointer { compress($0.baseAddress!, blocks: 1) }
                buffer.removeAll(keepingCapacity: true)
            }
        }
        let blocks = (raw.count - off) / 64
        if blocks > 0 { compress(start + off, blocks: blocks); off += blocks * 64 }
        if off < raw.count { buffer.append(contentsOf: UnsafeBufferPointer(start: start + off, count: raw.count - off)) }
    }

    public mutating func finalize() -> [UInt8] {
        let bitLength = length &* 8
        var pad: [UInt8] = [0x80]
        let rem = (buffer.count + 1) % 64
        pad += [UInt8](repeating: 0, count: rem <= 56 ? 56 - rem : 120 - rem)
        for i in (0..<8).reversed() { pad.append(UInt8(truncatingIfNeeded: bitLength >> (UInt64(i) * 8))) }
        let savedLength = length
        update(pad)
        length = savedLength
        precondition(buffer.isEmpty)
        var out = [UInt8]()
        for w in [h.0, h.1, h.2, h.3, h.4, h.5, h.6, h.7] {
            out += [UInt8(w >> 24), UInt8((w >> 16) & 0xff), UInt8((w >> 8) & 0xff), UInt8(w & 0xff)]
        }
        return out
    }

    /// The compression function over whole blocks (C: `Sources/CSHA256`).
    private mutating func compress(_ p: UnsafePointer<UInt8>, blocks: Int) {
        withUnsafeMutableBytes(of: &h) { s in
            sw_sha256_blocks(s.baseAddress!.assumingMemoryBound(to: UInt32.self), p, blocks)
        }
    }

    /// Lower-case hex digest of `bytes`.
    public static func hex<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        var s = SHA256()
        s.update(bytes)
        return hexString(s.finalize())
    }

    /// A clip's identity, cheap even for long clips: SHA-256 over the file size and up to
    /// three 1 MiB pieces (start, middle, end). Files that differ only outside those pieces and
    /// have the same size would collide; recorded video never does in practice.
    public static func fingerprint(fileAt path: String) throws -> String {
        let file = try ChunkReader(path: path)
        let size = try file.size()
        var s = SHA256()
        s.update(Array("size:\(size);".utf8))
        let piece: UInt64 = 1 << 20
        let offsets: [UInt64] = size <= 3 * piece ? [0] : [0, size / 2, size - piece]
        for o in offsets {
            try file.read(from: o, count: size <= 3 * piece ? size : piece) { s.update(raw: $0) }
        }
        return hexString(s.finalize())
    }

    /// Lower-case hex digest of a file's content, read in 64 KiB pieces.
    public static func hex(fileAt path: String) throws -> String {
        let file = try ChunkReader(path: path)
        var s = SHA256()
        try file.read(from: 0, count: .max) { s.update(raw: $0) }
        return hexString(s.finalize())
    }

    static func hexString(_ digest: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(2 * digest.count)
        for b in digest { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 15)]) }
        return String(decoding: out, as: UTF8.self)
    }
}

/// Reads a file in pieces through one reused 64 KiB buffer (no allocation, and no fresh pages
/// to fault in, per piece).
private final class ChunkReader {
    let path: String
    let fd: Int32
    private let buffer = UnsafeMutableRawPointer.allocate(byteCount: 1 << 16, alignment: 64)

    init(path: String) throws {
        self.path = path
        fd = open(path, O_RDONLY | O_CLOEXEC)
        // Every property is set by now, so a throw here still runs `deinit` (which frees the
        // buffer once, and closes no descriptor).
        guard fd >= 0 else { throw PipelineError("cannot read \(path): \(String(cString: strerror(errno)))") }
    }

    deinit {
        if fd >= 0 { close(fd) }
        buffer.deallocate()
    }

    /// The file's length in bytes (its end offset, as seeking there reports it).
    func size() throws -> UInt64 {
        let end = lseek(fd, 0, SEEK_END)
        guard end >= 0 else { throw PipelineError("cannot read \(path): \(String(cString: strerror(errno)))") }
        return UInt64(end)
    }

    /// Hands `body` the bytes from `offset` on, up to `count` of them or the end of the file.
    func read(from offset: UInt64, count: UInt64, _ body: (UnsafeRawBufferPointer) -> Void) throws {
        var position = off_t(offset)
        var left = count
        while left > 0 {
            let n = pread(fd, buffer, Int(min(left, 1 << 16)), position)
            if n < 0 {
                if errno == EINTR { continue }
                throw PipelineError("cannot read \(path): \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            body(UnsafeRawBufferPointer(start: buffer, count: n))
            position += off_t(n)
            left -= UInt64(n)
        }
    }
}

/// A pipeline error with a one-line message naming the input.
public struct PipelineError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
