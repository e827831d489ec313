import Foundation

/// SHA-256 (FIPS 180-4), for evidence files and clip identities. Streaming: `update` any number
/// of times, then `finalize`.
public struct SHA256 {
    private var h: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) =
        (0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19)
    private var buffer = [UInt8]()
    private var length: UInt64 = 0

    private static let k: [UInt32] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ]

    public init() {}

    public mutating func update<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        length &+= UInt64(bytes.count)
        let data = bytes.withContiguousStorageIfAvailable { Array($0) } ?? Array(bytes)
        var off = 0
        if !buffer.isEmpty {
            let take = min(64 - buffer.count, data.count)
            buffer += data[0..<take]
            off = take
            if buffer.count == 64 { compress(buffer, 0); buffer.removeAll(keepingCapacity: true) }
        }
        data.withUnsafeBufferPointer { d in
            while d.count - off >= 64 { compress(d.baseAddress! + off); off += 64 }
        }
        buffer += data[off...]
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

    private mutating func compress(_ block: [UInt8], _ off: Int) {
        block.withUnsafeBufferPointer { b in compress(b.baseAddress! + off) }
    }

    private mutating func compress(_ p: UnsafePointer<UInt8>) {
        @inline(__always) func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 - n)) }
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { w in
            for i in 0..<16 {
                let j = i * 4
                w[i] = UInt32(p[j]) << 24 | UInt32(p[j + 1]) << 16 | UInt32(p[j + 2]) << 8 | UInt32(p[j + 3])
            }
            for i in 16..<64 {
                let s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3)
                let s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10)
                w[i] = w[i - 16] &+ s0 &+ w[i - 7] &+ s1
            }
            var (a, b, c, d, e, f, g, hh) = h
            SHA256.k.withUnsafeBufferPointer { k in
                for i in 0..<64 {
                    let s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)
                    let ch = (e & f) ^ (~e & g)
                    let t1 = hh &+ s1 &+ ch &+ k[i] &+ w[i]
                    let s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)
                    let maj = (a & b) ^ (a & c) ^ (b & c)
                    let t2 = s0 &+ maj
                    hh = g; g = f; f = e; e = d &+ t1; d = c; c = b; b = a; a = t1 &+ t2
                }
            }
            h = (h.0 &+ a, h.1 &+ b, h.2 &+ c, h.3 &+ d, h.4 &+ e, h.5 &+ f, h.6 &+ g, h.7 &+ hh)
        }
    }

    /// Lower-case hex digest of `bytes`.
    public static func hex<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        var s = SHA256()
        s.update(bytes)
        return s.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// A clip's identity, cheap even for long clips: SHA-256 over the file size and up to
    /// three 1 MiB pieces (start, middle, end). Files that differ only outside those pieces and
    /// have the same size would collide; recorded video never does in practice.
    public static func fingerprint(fileAt path: String) throws -> String {
        guard let fh = FileHandle(forReadingAtPath: path) else { throw PipelineError("cannot read \(path)") }
        defer { try? fh.close() }
        let size = try fh.seekToEnd()
        var s = SHA256()
        s.update(Array("size:\(size);".utf8))
        let piece: UInt64 = 1 << 20
        let offsets: [UInt64] = size <= 3 * piece ? [0] : [0, size / 2, size - piece]
        for o in offsets {
            try fh.seek(toOffset: o)
            s.update(fh.readData(ofLength: Int(size <= 3 * piece ? size : piece)))
        }
        return s.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// Lower-case hex digest of a file's content, read in 1 MiB pieces.
    public static func hex(fileAt path: String) throws -> String {
        guard let fh = FileHandle(forReadingAtPath: path) else { throw PipelineError("cannot read \(path)") }
        defer { try? fh.close() }
        var s = SHA256()
        while true {
            let chunk = fh.readData(ofLength: 1 << 20)
            if chunk.isEmpty { break }
            s.update(chunk)
        }
        return s.finalize().map { String(format: "%02x", $0) }.joined()
    }
}

/// A pipeline error with a one-line message naming the input.
public struct PipelineError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
